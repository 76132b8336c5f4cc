import Logging
import TaoStore

/// Runs `body` with a database whose pool is running (and schema migrated, unless told not to), then
/// stops the pool. For one-shot operator commands; long-running ones put ``Database`` in their service group.
func withDatabase<T: Sendable>(
    _ configuration: DatabaseConfiguration,
    migrate: Bool = true,
    logger: Logger,
    _ body: @Sendable (Database) async throws -> T
) async throws -> T {
    let database = Database(configuration: configuration, logger: logger)
    try await database.checkReachable()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await database.run() }
        defer { group.cancelAll() }
        await database.ready()
        if migrate { try await Migrator(database: database).migrate(logger: logger) }
        return try await body(database)
    }
}
