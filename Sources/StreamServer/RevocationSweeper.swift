import Logging
import Model
import ServiceLifecycle
import TaoStore

/// Closes connections whose token was revoked after they authenticated (close code 4006).
///
/// One query per interval for the whole server, instead of one per connection: revocation is
/// rare, connections are many.
struct RevocationSweeper: Service {
    let registry: ConnectionRegistry
    let tokens: TokenStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await sweep()
            }
        }
    }

    /// Closes the sessions of revoked tokens; returns how many.
    @discardableResult
    func sweep() async -> Int {
        let sessions = registry.sessions
        guard !sessions.isEmpty else { return 0 }
        let revoked: Set<String>
        do {
            revoked = Set(try await tokens.list(includeRevoked: true).filter(\.isRevoked).map(\.id))
        } catch {
            logger.warning("could not check for revoked tokens; will try again", metadata: ["error": "\(error)"])
            return 0
        }
        var closed = 0
        for session in sessions {
            guard let id = session.token?.id, revoked.contains(id) else { continue }
            session.close(.tokenRevoked, "token revoked")
            closed += 1
        }
        if closed > 0 { logger.notice("closed connections of revoked tokens", metadata: ["count": "\(closed)"]) }
        return closed
    }
}
