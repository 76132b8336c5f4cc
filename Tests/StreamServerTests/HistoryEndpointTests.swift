import Foundation
import Logging
import Model
import TaoStore
import TestHarness
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `GET /api/v1/dividends/history` over real HTTP, on history the watcher's store wrote.
@Suite("Dividend history over REST", .timeLimit(.minutes(2)))
struct HistoryEndpointTests {
    @Test func pagesFollowTheirCursorAndBadQueriesSayWhy() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let database = Database(configuration: try DatabaseConfiguration(url: fixture.databaseURL))
        let running = Task { await database.run() }
        defer { running.cancel() }
        await database.ready()
        let store = DividendHistoryStore(database: database)
        for block in UInt64(1)...5 {
            let hash = "0x" + String(repeating: String(block), count: 64)
            try await store.record(block: block, hash: hash, changes: [
                DividendChange(kind: .alpha, netuid: 1, hotkey: Hotkeys.alice, old: block - 1, new: block, block: block, blockHash: hash,
                               offset: StreamOffset(block: block, sequence: 0)),
                DividendChange(kind: .alpha, netuid: 1, hotkey: Hotkeys.bob, old: nil, new: 10 * block, block: block, blockHash: hash,
                               offset: StreamOffset(block: block, sequence: 1)),
            ], gapFrom: nil, logger: Logger(label: "test"))
        }
        let base = "http://127.0.0.1:\(fixture.port)/api/v1/dividends/history"
        func page(_ query: String) async throws -> [String: Any] {
            let text = try await fetch("\(base)?\(query)", token: fixture.readToken)
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        }
        var blocks: [Int] = []
        var query = "netuid=1&hotkey=\(Hotkeys.alice)&limit=2"
        while true {
            let body = try await page(query)
            let changes = try #require(body["changes"] as? [[String: Any]])
            blocks += changes.compactMap { $0["block"] as? Int }
            #expect(changes.allSatisfy { $0["hotkey"] as? String == Hotkeys.alice && $0["kind"] as? String == "AlphaDividendsPerSubnet" })
            guard let cursor = body["next_cursor"] as? String else { break }
            query = "netuid=1&hotkey=\(Hotkeys.alice)&limit=2&cursor=\(cursor)"
        }
        #expect(blocks == [5, 4, 3, 2, 1])
        let subnet = try await page("netuid=1&from_block=4")
        #expect((subnet["changes"] as? [[String: Any]])?.compactMap { $0["new"] as? String } == ["50", "5", "40", "4"])
        #expect(subnet["next_cursor"] is NSNull)

        // Both answers, and a refusal, as web-client-spec documents them.
        let contract = try await ContractValidator.shared()
        let pageText = try await fetch("\(base)?netuid=1&limit=2", token: fixture.readToken)
        #expect(await contract.problem(in: pageText, as: .definition("HistoryResponse")) == nil)
        // A hotkey's series for a chart: a point per epoch that moved it, oldest first, the latest `points`.
        let seriesText = try await fetch("http://127.0.0.1:\(fixture.port)/api/v1/dividends/series?netuid=1&hotkey=\(Hotkeys.bob)&points=3", token: fixture.readToken)
        let seriesBody = try #require(try JSONSerialization.jsonObject(with: Data(seriesText.utf8)) as? [String: Any], "\(seriesText)")
        let series = try #require((seriesBody["series"] as? [[String: Any]])?.first, "\(seriesText)")
        #expect(series["kind"] as? String == "AlphaDividendsPerSubnet" && series["unit"] as? String == "alpha_rao")
        #expect(await contract.problem(in: seriesText, as: .definition("SeriesResponse")) == nil)
        let points = try #require(series["points"] as? [[String: Any]])
        #expect(points.compactMap { $0["block"] as? Int } == [3, 4, 5])
        #expect(points.compactMap { $0["amount"] as? String } == ["30", "40", "50"])
        #expect(points.allSatisfy { ($0["time"] as? Double ?? 0) > 1_700_000_000 }, "each point has the time its block was recorded")
        for (query, complaint) in [("netuid=1", "'hotkey' is required"), ("netuid=1&hotkey=\(Hotkeys.bob)&points=0", "'points' must be from 1 to 2000"),
                                   ("netuid=1&hotkey=\(Hotkeys.bob)&cursor=x", "unknown parameter 'cursor'")] {
            let url = "http://127.0.0.1:\(fixture.port)/api/v1/dividends/series?\(query)"
            #expect(try await status(url, token: fixture.readToken) == 400, "\(query)")
            let refusal = try await fetch(url, token: fixture.readToken)
            #expect(refusal.contains(complaint), "\(query): \(refusal)")
            #expect(await contract.problem(in: refusal, as: .definition("RestError")) == nil)
        }

        // The same pages over the WebSocket (each message checked against the schema on arrival).
        let socket = try await fixture.connect()
        try await socket.send(["type": "history", "id": "h", "netuid": .integer(1), "hotkey": .string(Hotkeys.bob), "limit": .integer(3)])
        let first = try await socket.next(type: "history") { $0["id"] == "h" }
        #expect(first["changes"]?.arrayValue?.count == 3)
        let cursor = try #require(first["next_cursor"]?.stringValue)
        try await socket.send(["type": "history", "id": "h2", "netuid": .integer(1), "hotkey": .string(Hotkeys.bob), "cursor": .string(cursor)])
        let second = try await socket.next(type: "history") { $0["id"] == "h2" }
        #expect(second["changes"]?.arrayValue?.compactMap { $0.objectValue?["block"] } == [.integer(2), .integer(1)])
        #expect(second["next_cursor"] == .null)
        try await socket.send(["type": "history", "id": "bad", "netuid": .integer(1), "cursor": "h1.zz"])
        #expect(try await socket.next(type: "error") { $0["id"] == "bad" }["code"] == "invalid_field")

        #expect(try await status("\(base)?netuid=1", token: nil) == 401)
        for bad in ["", "netuid=70000", "netuid=1&limit=501", "netuid=1&cursor=abc", "netuid=1&hotkey=5xyz", "netuid=1&netUid=2", "netuid=1&kind=no%20such"] {
            #expect(try await status("\(base)?\(bad)", token: fixture.readToken) == 400, "\(bad)")
        }
    }
}
