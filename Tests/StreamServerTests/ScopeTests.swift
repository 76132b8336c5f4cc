import Model
import StreamServer
import Testing

/// Scopes over the WebSocket: what REST refuses with 403, the stream refuses with `forbidden`.
@Suite("Token scopes over the WebSocket", .timeLimit(.minutes(2)))
struct WebSocketScopeTests {
    @Test func aTradeOnlyTokenCannotReadDividends() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let tradeOnly = try await fixture.tokens.create(label: "trade only", scopes: [.trade]).token
        let socket = try await TestWebSocket.connect(url: fixture.url, bearer: tradeOnly)
        _ = try await socket.next(type: "welcome")
        for type in ["query", "subscribe"] {
            try await socket.send(["type": .string(type), "id": .string(type), "netuid": .integer(1)])
            let refusal = try await socket.next(type: "error")
            #expect(refusal["code"] == .string("forbidden"))
            #expect(refusal["id"] == .string(type))
        }
        // A token that reads still does.
        let reader = try await fixture.connect()
        try await reader.send(["type": .string("query"), "id": .string("q"), "netuid": .integer(1)])
        #expect(try await reader.next(type: "snapshot")["id"] == .string("q"))
    }
}
