import Logging
import ServiceLifecycle

/// How every `taostream` command runs its services: one group, stopped gracefully by SIGTERM or
/// SIGINT, and never waiting forever on a service that does not stop.
enum ProcessLifecycle {
    /// Long enough for the connection drain (`TAOSTREAM_DRAIN_TIMEOUT`, 5 s by default) and a
    /// last history flush; after it the group cancels what is left.
    static let gracefulShutdownLimit: Duration = .seconds(30)
    /// How long cancelled services get before the group returns without them.
    static let cancellationLimit: Duration = .seconds(5)

    /// Runs `services` until a signal, or until one of them fails (its error is thrown).
    static func run(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = gracefulShutdownLimit
        configuration.maximumCancellationDuration = cancellationLimit
        try await ServiceGroup(configuration: configuration).run()
    }
}
