import Logging
import Model
import PostgresNIO
import TaoStore
import Testing

@Suite("API tokens against a real PostgreSQL")
struct TokenStoreTests {
    @Test func createVerifyRevoke() async throws {
        try await withTestDatabase { database in
            try await Migrator(database: database).migrate(logger: Logger(label: "test"))
            let store = TokenStore(database: database)
            let issued = try await store.create(label: "dashboard", scopes: [.read])
            #expect(issued.token.hasPrefix("tst_\(issued.record.id)_"))

            let verified = try await store.verify(issued.token)
            #expect(verified?.id == issued.record.id)
            #expect(verified?.scopes == [.read])
            #expect(verified?.allows(.trade) == false)

            // Right id, wrong secret; truncated; garbage: all refused the same way.
            var tampered = Array(issued.token)
            tampered[tampered.count - 1] = tampered.last == "A" ? "B" : "A"
            #expect(try await store.verify(String(tampered)) == nil)
            #expect(try await store.verify(String(issued.token.dropLast(5))) == nil)
            #expect(try await store.verify("Bearer nonsense") == nil)
            #expect(try await store.verify("") == nil)

            #expect(try await store.revoke(id: issued.record.id))
            #expect(try await store.verify(issued.token) == nil)
            #expect(try await store.revoke(id: issued.record.id) == false)
        }
    }

    @Test func secretsAreNeverStored() async throws {
        try await withTestDatabase { database in
            try await Migrator(database: database).migrate(logger: Logger(label: "test"))
            let issued = try await TokenStore(database: database).create(label: "bot", scopes: [.read, .trade])
            let secret = String(issued.token.split(separator: "_", maxSplits: 2)[2])
            var dump = ""
            let rows = try await database.client.query("SELECT id || secret_hash || label || array_to_string(scopes, ',') FROM api_tokens")
            for try await row in rows.decode(String.self) { dump += row }
            #expect(!dump.isEmpty)
            #expect(!dump.contains(secret))
        }
    }

    @Test func listingHidesRevokedUnlessAsked() async throws {
        try await withTestDatabase { database in
            try await Migrator(database: database).migrate(logger: Logger(label: "test"))
            let store = TokenStore(database: database)
            let a = try await store.create(label: "a", scopes: [.read])
            let b = try await store.create(label: "b", scopes: [.trade, .read])
            try await store.revoke(id: a.record.id)
            #expect(try await store.list().map(\.id) == [b.record.id])
            let all = try await store.list(includeRevoked: true)
            #expect(Set(all.map(\.id)) == [a.record.id, b.record.id])
            #expect(all.first { $0.id == a.record.id }?.isRevoked == true)
            #expect(all.first { $0.id == b.record.id }?.scopes == [.read, .trade])
        }
    }

    @Test func labelsAndScopesAreValidated() async throws {
        try await withTestDatabase { database in
            try await Migrator(database: database).migrate(logger: Logger(label: "test"))
            let store = TokenStore(database: database)
            await #expect(throws: StoreError.self) { _ = try await store.create(label: "  ", scopes: [.read]) }
            await #expect(throws: StoreError.self) { _ = try await store.create(label: "x", scopes: []) }
        }
    }
}
