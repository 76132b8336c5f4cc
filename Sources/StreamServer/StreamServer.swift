import Hummingbird
import NIOCore
import Logging
import TaoRedis
import TaoStore

/// The public face of TaoStream: HTTP endpoints now, WebSocket streams on the same port.
public enum StreamServer {
    /// The application, ready to run as a service.
    public static func makeApplication(
        settings: StreamServerSettings,
        redis: RedisClient,
        tokens: TokenStore,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        HealthController(redis: redis).register(in: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "taostream"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
