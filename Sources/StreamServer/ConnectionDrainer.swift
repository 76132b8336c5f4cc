import Logging
import ServiceLifecycle

/// On graceful shutdown, closes every connection with 1001 (going away) once its queued messages
/// are written, so clients reconnect to another server without losing what was already sent.
///
/// It must come after the application in the service group: groups stop services in reverse
/// order, and this has to run before the HTTP server closes sockets itself.
struct ConnectionDrainer: Service {
    let registry: ConnectionRegistry
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let sessions = registry.startDraining()
        logger.info("draining connections", metadata: ["count": "\(sessions.count)"])
        for session in sessions {
            session.close(rawCode: 1001, "server shutting down")
        }
        let deadline = ContinuousClock.now + timeout
        while registry.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
