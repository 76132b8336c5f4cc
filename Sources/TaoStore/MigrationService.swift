import Logging
import ServiceLifecycle

/// Applies migrations once the pool runs (put it after the ``Database`` in a service group), then
/// finishes; a failure stops the whole group.
public struct MigrationService: Service {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func run() async throws {
        await database.ready()
        try await Migrator(database: database).migrate(logger: logger)
    }
}
