import NIOCore
import NIOHTTP1

/// Answers a request the HTTP decoder cannot parse — an oversized header (431), too many headers,
/// an unknown method, HTTP/0.9, Content-Length with Transfer-Encoding (400) — and closes, instead
/// of leaving the client to the upgrade deadline. NIO's own error handler does not fit the typed
/// upgrade pipeline, so this one sits at its end and writes through ``wire``, a pass-through at
/// the socket's end of the pipeline, past the response encoder (which takes response parts, not
/// bytes). Both leave the pipeline when it becomes a WebSocket.
final class MalformedRequestResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart

    /// Added first in the pipeline: what is written from its context goes straight to the socket.
    final class Wire: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = ByteBuffer
    }

    let wire = Wire()
    private var answered = false
    /// A request head was read whole: after it a response may be on its way, and raw bytes
    /// could cut into it, so a later parse error only closes.
    private let requestSeen: NIOLoopBoundBox<Bool>

    init(requestSeen: NIOLoopBoundBox<Bool>) { self.requestSeen = requestSeen }

    /// Adds the responder at the pipeline's end and its wire at the socket's end.
    func add(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(wire, position: .first)
        try pipeline.addHandler(self)
    }

    func remove(from pipeline: ChannelPipeline.SynchronousOperations) {
        pipeline.removeHandler(self, promise: nil)
        pipeline.removeHandler(wire, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        guard !requestSeen.value else {
            context.close(promise: nil)
            return
        }
        let (status, reason) = Self.answer(parserError)
        let body = #"{"type":"error","code":"invalid_field","message":"\#(reason)"}"#
        let response = "HTTP/1.1 \(status)\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        guard let socket = try? context.pipeline.syncOperations.context(handler: wire) else {
            context.close(promise: nil)
            return
        }
        socket.writeAndFlush(NIOAny(ByteBuffer(string: response))).whenComplete { _ in context.close(promise: nil) }
    }

    static func answer(_ error: HTTPParserError) -> (status: String, reason: String) {
        switch error {
        case .headerOverflow:
            ("431 Request Header Fields Too Large", "the request's headers are too large or too many")
        case .invalidMethod:
            ("400 Bad Request", "unknown HTTP method")
        case .invalidVersion:
            ("400 Bad Request", "only HTTP/1.1 and HTTP/1.0 are served")
        case .unexpectedContentLength:
            ("400 Bad Request", "Content-Length and Transfer-Encoding together are refused")
        default:
            ("400 Bad Request", "the request is not valid HTTP/1.1")
        }
    }
}
