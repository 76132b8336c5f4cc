import Logging
import Model
import PostgresNIO
import TaoStore
import Testing

/// Pages of the dividend history against a real PostgreSQL: newest first, cursors that neither
/// skip nor repeat, and index reads on a table of a million rows.
@Suite("Dividend history pages")
struct HistoryPageTests {
    static let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    static let bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
    let logger = Logger(label: "test.history")

    func change(_ block: UInt64, _ sequence: UInt64, _ hotkey: String, netuid: UInt16 = 1, kind: DividendKind = .alpha, new: UInt64?) -> DividendChange {
        DividendChange(kind: kind, netuid: netuid, hotkey: hotkey, old: nil, new: new, block: block, blockHash: "0x\(block)",
                       offset: StreamOffset(block: block, sequence: sequence))
    }

    @Test func pagesGoNewestFirstAndCursorsNeitherSkipNorRepeat() async throws {
        try await withTestDatabase { database in
            try await Migrator(database: database).migrate(logger: logger)
            let store = DividendHistoryStore(database: database)
            for block in UInt64(1)...20 {
                try await store.record(block: block, hash: "0x\(block)", changes: [
                    change(block, 0, Self.alice, new: block), change(block, 1, Self.bob, new: block * 2),
                    change(block, 2, Self.alice, netuid: 2, new: block), change(block, 3, Self.alice, kind: .rootAlpha, new: block),
                ], gapFrom: nil, logger: logger)
            }
            // Alice on subnet 1, both kinds, in pages of 7.
            var seen: [StreamOffset] = []
            var query = HistoryQuery(netuid: 1, hotkey: Self.alice, limit: 7)
            while true {
                let page = try await store.page(query, logger: logger)
                seen += page.changes.map(\.offset)
                #expect(page.changes.allSatisfy { $0.netuid == 1 && $0.hotkey == Self.alice })
                guard let next = page.next else { break }
                #expect(next == page.changes.last?.offset)
                query.before = next
            }
            let expected = (UInt64(1)...20).reversed().flatMap { [StreamOffset(block: $0, sequence: 3), StreamOffset(block: $0, sequence: 0)] }
            #expect(seen == expected)
            // One kind, a block range, a whole subnet.
            let ranged = try await store.page(HistoryQuery(netuid: 1, kind: .rootAlpha, fromBlock: 5, toBlock: 8), logger: logger)
            #expect(ranged.changes.map(\.block) == [8, 7, 6, 5])
            #expect(ranged.next == nil)
            let subnet = try await store.page(HistoryQuery(netuid: 1, limit: 3), logger: logger)
            #expect(subnet.changes.map(\.offset) == [StreamOffset(block: 20, sequence: 3), StreamOffset(block: 20, sequence: 1), StreamOffset(block: 20, sequence: 0)])
            #expect(subnet.changes[1].new == "40")
            #expect(subnet.next != nil)
        }
    }

    /// The bar: ≥ 1 million rows and no sequential scan for either kind of page.
    @Test func bothPagesReadAnIndexOnAMillionRows() async throws {
        try await withTestDatabase { database in
            try await Migrator(database: database).migrate(logger: logger)
            // 64 subnets × 256 hotkeys, ten changes a block, a million rows.
            _ = try await database.client.query("""
                INSERT INTO dividend_changes (block, sequence, kind, netuid, hotkey, old_amount, new_amount, unit, block_hash)
                SELECT g / 10, g % 10, 'AlphaDividendsPerSubnet', g % 64, 'hk' || (g % 256), NULL, g, 'alpha_rao', '0x'
                FROM generate_series(1, 1000000) AS g
                """, logger: logger)
            _ = try await database.client.query("""
                INSERT INTO processed_blocks (number, hash, changes) SELECT g, '0x', 10 FROM generate_series(0, 100000) AS g
                """, logger: logger)
            _ = try await database.client.query("ANALYZE dividend_changes", logger: logger)
            _ = try await database.client.query("ANALYZE processed_blocks", logger: logger)
            // The statements the store sends, with their parameters bound as it binds them.
            for (name, query) in [
                ("one key", HistoryQuery(netuid: 3, hotkey: "hk3", before: StreamOffset(block: 90_000, sequence: 0))),
                ("one key, one kind", HistoryQuery(netuid: 3, hotkey: "hk3", kind: .alpha, fromBlock: 10, toBlock: 80_000)),
                ("one subnet", HistoryQuery(netuid: 3, before: StreamOffset(block: 90_000, sequence: 0))),
            ].map({ ($0.0, DividendHistoryStore.pageQuery($0.1)) }) + [
                ("a hotkey's series", DividendHistoryStore.seriesQuery(DividendSeriesQuery(netuid: 3, hotkey: "hk3"))),
                ("a hotkey's series, one kind, a range", DividendHistoryStore.seriesQuery(DividendSeriesQuery(netuid: 3, hotkey: "hk3", kind: .alpha, fromBlock: 10, toBlock: 80_000))),
            ] {
                let statement = query
                var plan = ""
                let rows = try await database.client.query(PostgresQuery(unsafeSQL: "EXPLAIN " + statement.sql, binds: statement.binds), logger: logger)
                for try await line in rows.decode(String.self) { plan += line + "\n" }
                #expect(!plan.contains("Seq Scan"), "\(name):\n\(plan)")
                #expect(plan.contains("Index"), "\(name):\n\(plan)")
            }
            // And the store's own page on that table.
            let page = try await DividendHistoryStore(database: database).page(HistoryQuery(netuid: 3, limit: 5), logger: logger)
            #expect(page.changes.count == 5 && page.next != nil)
            let series = try await DividendHistoryStore(database: database).series(DividendSeriesQuery(netuid: 3, hotkey: "hk3", points: 4), logger: logger)
            #expect(series.count == 1 && series[0].points.count == 4)
            #expect(series[0].points.map(\.block) == series[0].points.map(\.block).sorted(), "oldest first")
            #expect(series[0].points.allSatisfy { $0.time != nil })
        }
    }
}
