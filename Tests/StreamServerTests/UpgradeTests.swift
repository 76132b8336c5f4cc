import Foundation
import Model
import NIOCore
import NIOPosix
import StreamServer
import Synchronization
import Testing

/// The HTTP side of `/ws` on a raw socket: what a refused upgrade answers, and that a connection
/// that never finishes its request is not held forever.
@Suite("WebSocket upgrade over a raw socket", .timeLimit(.minutes(2)))
struct UpgradeTests {
    @Test func aBadBearerTokenGets401WithAJSONError() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let answer = try await RawHTTP.exchange(port: fixture.port, RawHTTP.upgrade(path: "/ws", extra: "Authorization: Bearer tst_not-a-token\r\n"))
        #expect(answer.hasPrefix("HTTP/1.1 401"))
        let body = try #require(answer.components(separatedBy: "\r\n\r\n").last)
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        #expect(json?["type"] as? String == "error")
        #expect(json?["code"] as? String == "unauthorized")
        #expect(!answer.contains("tst_not-a-token"))
    }

    @Test func anUpgradeElsewhereThanWsIsRefused() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let answer = try await RawHTTP.exchange(port: fixture.port, RawHTTP.upgrade(path: "/elsewhere", extra: ""))
        #expect(answer.hasPrefix("HTTP/1.1 404"))
        let missingVersion = try await RawHTTP.exchange(port: fixture.port, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        #expect(missingVersion.hasPrefix("HTTP/1.1 400"))
    }

    @Test func aConnectionThatNeverSendsItsRequestIsClosed() async throws {
        var limits = ConnectionLimits()
        limits.upgradeTimeout = .milliseconds(300)
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        // One byte, then silence: a slowloris request head.
        let answer = try await RawHTTP.exchange(port: fixture.port, "G", until: .seconds(20))
        #expect(answer.isEmpty)
        // A whole request on a fresh connection is still served.
        let health = try await RawHTTP.exchange(port: fixture.port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(health.hasPrefix("HTTP/1.1 200"))
    }

    @Test func theUpgradeAnswerCarriesTheAcceptKeyAndDeflateWithoutContextTakeover() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let answer = try await RawHTTP.exchange(
            port: fixture.port,
            RawHTTP.upgrade(path: "/ws", extra: "Authorization: Bearer \(fixture.readToken)\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"),
            stopAfterHead: true
        )
        #expect(answer.hasPrefix("HTTP/1.1 101"))
        #expect(answer.lowercased().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="))
        #expect(answer.contains("permessage-deflate; server_no_context_takeover; client_no_context_takeover"))
    }
}

/// One request on a raw TCP connection; the answer is whatever arrives until the server closes
/// (or, with `stopAfterHead`, until the end of the response head).
enum RawHTTP {
    static func upgrade(path: String, extra: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(extra)\r\n"
    }

    static func exchange(port: Int, _ request: String, stopAfterHead: Bool = false, until timeout: Duration = .seconds(10)) async throws -> String {
        let collected = Collector(stopAfterHead: stopAfterHead)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collected) } }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: request))
        let closed = channel.closeFuture
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await closed.get() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TimedOut()
            }
            try await group.next()
            group.cancelAll()
        }
        return collected.text
    }

    struct TimedOut: Error {}

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let received = Mutex("")
        let stopAfterHead: Bool

        init(stopAfterHead: Bool) { self.stopAfterHead = stopAfterHead }

        var text: String { received.withLock { $0 } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = received.withLock { total in
                total += String(buffer: unwrapInboundIn(data))
                return total
            }
            if stopAfterHead, text.contains("\r\n\r\n") { context.close(promise: nil) }
        }
    }
}
