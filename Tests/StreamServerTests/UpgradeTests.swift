import Foundation
import Model
import NIOCore
import NIOPosix
@testable import StreamServer
import Synchronization
import TestHarness
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

    @Test func anAddressThatKeepsPresentingBadTokensIsRefusedWithoutALookup() async throws {
        var limits = ConnectionLimits()
        // Nothing forgiven while the test runs, however slowly the machine goes.
        limits.authFailureRefill = .seconds(3600)
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        // A token's shape (a malformed one costs no lookup and no budget), but not a known one.
        let guess = "tst_aaaaaaaaaaaa_" + String(repeating: "b", count: 43)
        let bad = RawHTTP.upgrade(path: "/ws", extra: "Authorization: Bearer \(guess)\r\n")
        for _ in 0..<limits.authFailuresPerAddress {
            #expect(try await RawHTTP.exchange(port: fixture.port, bad).hasPrefix("HTTP/1.1 401"))
        }
        let throttled = try await RawHTTP.exchange(port: fixture.port, bad)
        #expect(throttled.hasPrefix("HTTP/1.1 429"))
        #expect(throttled.contains("\"code\":\"rate_limited\""))
        // The same budget covers REST and the auth message, whichever way the guesses come.
        let rest = try await RawHTTP.exchange(port: fixture.port, "GET /api/v1/tao_dividends HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(guess)\r\nConnection: close\r\n\r\n")
        #expect(rest.hasPrefix("HTTP/1.1 429"))
        let socket = try await fixture.connect(header: false)
        try await socket.send(["type": .string("auth"), "id": .integer(1), "token": .string(guess)])
        #expect(try await socket.next(type: "error")["code"] == .string("rate_limited"))
        #expect(try await socket.closeFrame()?.closeCode == .unknown(CloseCode.authenticationFailed.rawValue))
    }

    /// Each used to get no answer until the upgrade deadline closed it (issue 14.3).
    @Test func malformedRequestsAreAnsweredAndClosedAtOnce() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let cases: [(String, String)] = [
            ("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\n\r\n", "HTTP/1.1 431"),
            ("GET /health HTTP/1.1\r\nHost: x\r\n" + (0..<10_000).map { "X-\($0): y\r\n" }.joined() + "\r\n", "HTTP/1.1 431"),
            ("GETX /health HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400"),
            ("GET /health\r\n\r\n", "HTTP/1.1 400"),
            ("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 400"),
        ]
        for (request, expected) in cases {
            // Well within the 10 s upgrade deadline: a timeout here throws.
            let answer = try await RawHTTP.exchange(port: fixture.port, request, until: .seconds(5))
            #expect(answer.hasPrefix(expected), "\(request.prefix(40)) got: \(answer.prefix(200))")
        }
        // The server still serves.
        #expect(try await RawHTTP.exchange(port: fixture.port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").hasPrefix("HTTP/1.1 200"))
    }

    /// 2 000 silent sockets from one address used to stay open (issue 14.3): past the address's
    /// allowance a new connection is closed at once, and one that authenticates gives its place back.
    @Test func anAddressMayHoldOnlySoManyUnauthenticatedConnections() async throws {
        var limits = ConnectionLimits()
        limits.pendingPerAddress = 3
        limits.authenticationTimeout = .seconds(60)
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        // Three WebSockets upgraded without a token (each admitted: it got its 101) hold the
        // address's three places...
        let waiting = [try await fixture.connect(header: false), try await fixture.connect(header: false), try await fixture.connect(header: false)]
        // ...so the next connection is closed without an answer.
        let health = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let refused = try await RawHTTP.exchange(port: fixture.port, health, until: .seconds(5))
        #expect(refused.isEmpty, "\(refused.prefix(100))")
        // One authenticates: it counts against its token from then on, no longer here.
        try await waiting[1].send(["type": .string("auth"), "token": .string(fixture.readToken)])
        _ = try await waiting[1].next(type: "welcome")
        let served = try await RawHTTP.exchange(port: fixture.port, health)
        #expect(served.hasPrefix("HTTP/1.1 200"), "\(served.prefix(100))")
        for socket in waiting { await socket.close() }
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

/// RFC 6455 enforced on a raw socket: each breach closes the connection with its code.
@Suite("WebSocket frames over a raw socket", .timeLimit(.minutes(2)))
struct FrameProtocolTests {
    /// The close code the server sent after the upgrade, given these frame bytes.
    static func closeCode(after frame: [UInt8], fixture: ServerFixture) async throws -> UInt16? {
        let request = Array(RawHTTP.upgrade(path: "/ws", extra: "Authorization: Bearer \(fixture.readToken)\r\n").utf8)
        let answer = try await RawHTTP.exchange(port: fixture.port, bytes: request + frame, until: .seconds(20))
        guard let headEnd = answer.firstRange(of: [13, 10, 13, 10]) else { return nil }
        var index = headEnd.upperBound
        // Server frames: unmasked; skip to the close frame.
        while index + 2 <= answer.count {
            let opcode = answer[index] & 0x0F
            var length = Int(answer[index + 1] & 0x7F)
            var header = 2
            if length == 126 { length = Int(answer[index + 2]) << 8 | Int(answer[index + 3]); header = 4 }
            if opcode == 0x8, length >= 2 { return UInt16(answer[index + header]) << 8 | UInt16(answer[index + header + 1]) }
            index += header + length
        }
        return nil
    }

    @Test func breachesCloseWithTheirCodes() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        // Unmasked client frame: 1002.
        #expect(try await Self.closeCode(after: [0x81, 0x02, 0x68, 0x69], fixture: fixture) == 1002)
        // Invalid UTF-8 in a text frame: 1007.
        #expect(try await Self.closeCode(after: RawHTTP.masked(0x1, [0xC3, 0x28]), fixture: fixture) == 1007)
        // A frame announcing 2 MiB (over the 1 MiB limit): 1009 before the body is read.
        #expect(try await Self.closeCode(after: [0x81, 0xFF, 0, 0, 0, 0, 0, 0x20, 0, 0, 1, 2, 3, 4], fixture: fixture) == 1009)
        // Reserved bits without an extension that defines them: 1002.
        #expect(try await Self.closeCode(after: RawHTTP.masked(0x1, Array("{}".utf8)).enumerated().map { $0.offset == 0 ? $0.element | 0x20 : $0.element }, fixture: fixture) == 1002)
        // A continuation with no message begun: 1002.
        #expect(try await Self.closeCode(after: RawHTTP.masked(0x0, Array("x".utf8)), fixture: fixture) == 1002)
        // The peer's own close is answered with its code.
        #expect(try await Self.closeCode(after: RawHTTP.masked(0x8, [0x0F, 0xA0]), fixture: fixture) == 4000)
    }
}
