import Hummingbird

/// `GET /metrics` in the Prometheus text format.
struct MetricsController: Sendable {
    let metrics: ServerMetrics
    let registry: ConnectionRegistry

    func register(in router: Router<StreamRequestContext>) {
        router.get("metrics") { _, _ in
            var bytes: [UInt8] = []
            metrics.registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
    }
}
