import ArgumentParser
import Logging
import TaoStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (serve and watch also do this at start)."
    )

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let source = try options.load()
        let database = try options.database(source)
        let logger = Logger(label: "taostream.migrate")
        let applied = try await withDatabase(database, migrate: false, logger: logger) { database in
            try await Migrator(database: database).migrate(logger: logger)
        }
        print(applied.isEmpty ? "database is up to date" : "applied migrations: " + applied.map(String.init).joined(separator: ", "))
    }
}
