import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The PostgreSQL connection pool, run as a service so it shuts down with the process.
public final class Database: Service, Sendable {
    public let configuration: DatabaseConfiguration
    public let client: PostgresClient
    let logger: Logger
    private let started = OneTimeEvent()
    /// Signalled by ``Migrator`` once the schema is up to date: work that needs the tables waits
    /// for it instead of racing the migrations on a fresh database.
    public let schemaReady = OneTimeEvent()

    public init(configuration: DatabaseConfiguration, logger: Logger = Logger(label: "taostream.db")) {
        self.configuration = configuration
        self.client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        self.logger = logger
    }

    public func run() async {
        started.signal()
        await client.run()
    }

    /// Waits until the pool runs: a query issued before that would sit in a queue and make
    /// PostgresNIO log a warning for what is only start-up ordering.
    public func ready() async {
        await started.wait()
        await Task.yield()
    }

    /// Opens and closes one connection, so start-up can fail with a clear line instead of the pool
    /// retrying quietly in the background.
    public func checkReachable() async throws(StoreError) {
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration.connectionConfiguration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw .unreachable(url: configuration.redactedURL, reason: Self.explain(error))
        }
    }

    /// Server messages say what is wrong (missing database, bad password); PSQLError's own
    /// description hides them on purpose, so dig them out.
    static func explain(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying {
                if let io = underlying as? IOError, io.errnoCode == 111 { return "connection refused" }
                if let connection = underlying as? NIOConnectionError, let first = connection.connectionErrors.first {
                    if let io = first.error as? IOError, io.errnoCode == 111 { return "connection refused" }
                    return "\(first.error)"
                }
                return "\(underlying)"
            }
            return "\(error.code)"
        }
        return "\(error)"
    }
}
