import Logging
import PostgresNIO
import TaoStore
import TestHarness
import Testing

@Suite("Migrations against a real PostgreSQL")
struct MigratorTests {
    let logger = Logger(label: "test.migrations")

    @Test func migratingTwiceChangesNothing() async throws {
        try await withTestDatabase { database in
            let first = try await Migrator(database: database).migrate(logger: logger)
            #expect(first == Migration.all.map(\.version))
            let tablesBefore = try await tables(database)
            let second = try await Migrator(database: database).migrate(logger: logger)
            #expect(second.isEmpty)
            #expect(try await tables(database) == tablesBefore)
            #expect(tablesBefore.contains("api_tokens"))
            #expect(tablesBefore.contains("taostream_migrations"))
        }
    }

    @Test func concurrentStartsApplyEachMigrationOnce() async throws {
        try await withTestDatabase { database in
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 { group.addTask { try await Migrator(database: database).migrate(logger: logger) } }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            #expect(results.flatMap { $0 }.sorted() == Migration.all.map(\.version))
        }
    }

    @Test func aChangedMigrationIsRefused() async throws {
        try await withTestDatabase { database in
            let original = Migration(version: 900, name: "demo", statements: ["CREATE TABLE demo (a INT)"])
            try await Migrator(database: database, migrations: [original]).migrate(logger: logger)
            let edited = Migration(version: 900, name: "demo", statements: ["CREATE TABLE demo (a BIGINT)"])
            await #expect(throws: StoreError.migrationChanged(version: 900, name: "demo")) {
                try await Migrator(database: database, migrations: [edited]).migrate(logger: logger)
            }
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await withTestDatabase { database in
            let broken = [
                Migration(version: 901, name: "good", statements: ["CREATE TABLE good_one (a INT)"]),
                Migration(version: 902, name: "bad", statements: ["CREATE TABLE bad_one (a NOSUCHTYPE)"]),
            ]
            do {
                try await Migrator(database: database, migrations: broken).migrate(logger: logger)
                Issue.record("a broken migration applied")
            } catch {
                guard case StoreError.migrationFailed(902, "bad", let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("nosuchtype"))
            }
            let remaining = try await tables(database)
            #expect(!remaining.contains("good_one"))
        }
    }

    @Test func unreachableDatabaseSaysWhereAndWhy() async throws {
        let port = Network.freePort()
        let database = Database(configuration: try DatabaseConfiguration(url: "postgres://someone:pw@127.0.0.1:\(port)/nothing"))
        do {
            try await database.checkReachable()
            Issue.record("connected to a closed port")
        } catch {
            #expect(error == .unreachable(url: "postgres://someone:***@127.0.0.1:\(port)/nothing?sslmode=disable", reason: "connection refused"))
        }
    }

    @Test func missingDatabaseIsNamedByTheServer() async throws {
        let server = try await PostgresServer.shared()
        let database = Database(configuration: try DatabaseConfiguration(url: server.url(database: "does_not_exist")))
        do {
            try await database.checkReachable()
            Issue.record("connected to a missing database")
        } catch {
            #expect(error.description.contains("does_not_exist"))
        }
    }

    private func tables(_ database: Database) async throws -> Set<String> {
        var names = Set<String>()
        let rows = try await database.client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }
}

/// A fresh database in the shared test cluster, with its pool running for the duration of `body`.
func withTestDatabase(_ body: @Sendable (Database) async throws -> Void) async throws {
    let server = try await PostgresServer.shared()
    let database = Database(configuration: try DatabaseConfiguration(url: try await server.createDatabase()))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await database.run() }
        defer { group.cancelAll() }
        try await body(database)
    }
}
