import Foundation
import Hummingbird
import HummingbirdWSClient
import HummingbirdWSCompression
import Logging
import NIOCore
import NIOPosix

/// One subscriber: connects with a bearer token, subscribes to one netuid, then counts updates
/// and how late each one arrived.
struct LoadConnection: Sendable {
    let url: String
    let token: String
    let netuid: Int
    let ledger: PublishLedger
    let latencies: LatencySamples
    let counters: LoadCounters

    /// Runs until the connection closes or `stop` is cancelled.
    func run(logger: Logger) async throws {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: 1 << 20, additionalHeaders: headers, extensions: [.perMessageDeflate()], autoPing: .disabled
        )
        _ = try await WebSocketClient.connect(url: url, configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger) { inbound, outbound, _ in
            try await outbound.write(.text(#"{"type":"subscribe","id":"s","netuid":\#(netuid)}"#))
            var batch: [UInt32] = []
            batch.reserveCapacity(64)
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                let now = ContinuousClock.now
                // Cheap field scans instead of a JSON decode: the load client must not be the bottleneck.
                if text.hasPrefix(#"{"type":"update""#) || text.contains(#""type":"update""#) {
                    counters.delivered.add(1, ordering: .relaxed)
                    if let offset = Self.field("offset", in: text), let sent = ledger.sent(offset) {
                        let elapsed = now - sent
                        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
                        batch.append(UInt32(clamping: micros))
                        if batch.count == 64 {
                            latencies.add(batch)
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                } else if text.contains(#""type":"subscribed""#) {
                    counters.subscribed.add(1, ordering: .relaxed)
                } else if text.contains(#""type":"error""#) {
                    // A refused subscription would stall the ramp-up: count it, and say why once.
                    if counters.failed.add(1, ordering: .relaxed).newValue == 1 { print("first error from the server: \(text)") }
                    return
                }
            }
            latencies.add(batch)
        }
    }

    static func field(_ name: String, in text: String) -> Substring? {
        guard let start = text.range(of: "\"\(name)\":\"") else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return rest[..<end]
    }
}
