import Logging
import PostgresNIO

/// Applies pending migrations at start-up: all in one transaction, behind an advisory lock so that
/// several processes starting together apply each migration once.
public struct Migrator: Sendable {
    /// Arbitrary but fixed: the key of TaoStream's advisory lock.
    static let lockKey: Int64 = 0x7A05_7E4A

    public let database: Database
    public let migrations: [Migration]

    public init(database: Database, migrations: [Migration] = Migration.all) {
        self.database = database
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is missing and returns the versions it applied (empty when up to date).
    @discardableResult
    public func migrate(logger: Logger) async throws(StoreError) -> [Int] {
        let migrations = self.migrations
        do {
            let applied = try await database.client.withTransaction(logger: logger) { connection in
                _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
                _ = try await connection.query("""
                    CREATE TABLE IF NOT EXISTS taostream_migrations (
                        version    INTEGER PRIMARY KEY,
                        name       TEXT NOT NULL,
                        checksum   TEXT NOT NULL,
                        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                var applied: [Int: String] = [:]
                for try await (version, checksum) in try await connection.query("SELECT version, checksum FROM taostream_migrations", logger: logger).decode((Int, String).self) {
                    applied[version] = checksum
                }
                var appliedNow: [Int] = []
                for migration in migrations {
                    if let checksum = applied[migration.version] {
                        guard checksum == migration.checksum else {
                            throw StoreError.migrationChanged(version: migration.version, name: migration.name)
                        }
                        continue
                    }
                    for statement in migration.statements {
                        do {
                            _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        } catch {
                            throw StoreError.migrationFailed(version: migration.version, name: migration.name, reason: Database.explain(error))
                        }
                    }
                    _ = try await connection.query(
                        "INSERT INTO taostream_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                        logger: logger
                    )
                    logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                    appliedNow.append(migration.version)
                }
                return appliedNow
            }
            database.schemaReady.signal()
            return applied
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError as? StoreError { throw closureError }
            throw .query(Database.explain(error.closureError ?? error.beginError ?? error.commitError ?? error))
        } catch let error as StoreError {
            throw error
        } catch {
            throw .query(Database.explain(error))
        }
    }
}
