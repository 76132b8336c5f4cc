import Logging
import ServiceLifecycle

/// How every `taostream` command runs its services: one group, stopped gracefully by SIGTERM or
/// SIGINT, or by any service that ends or fails, and never waiting forever on one that does not stop.
///
/// A service that fails (a port in use) stops the group gracefully rather than cancelling it:
/// services then stop one by one, in reverse order, so the database pool outlives the migration
/// that uses it. Cancelled together, the pool stopped first and the migration's query waited
/// forever for a connection (issue 14.16).
enum ProcessLifecycle {
    /// Long enough for the connection drain (`TAOSTREAM_DRAIN_TIMEOUT`, 5 s by default) and a
    /// last history flush; after it the group cancels what is left.
    static let gracefulShutdownLimit: Duration = .seconds(30)
    /// How long cancelled services get before ServiceLifecycle gives up on them (and traps): a
    /// last resort, never reached when every service stops as it should.
    static let cancellationLimit: Duration = .seconds(10)

    /// A service that runs as long as the process: its end, or its failure, stops the rest.
    static func service(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
    }

    /// A service that does its work and returns (migrations); only its failure stops the rest.
    static func oneShot(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup)
    }

    /// Runs `services` until a signal, or until one of them ends or fails (its error is thrown).
    static func run(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = gracefulShutdownLimit
        configuration.maximumCancellationDuration = cancellationLimit
        try await ServiceGroup(configuration: configuration).run()
    }
}
