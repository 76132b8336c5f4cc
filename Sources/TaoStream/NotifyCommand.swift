import ArgumentParser
import Logging
import Model
import Notifier
import ServiceLifecycle
import StreamServer
import TaoConfiguration
import TaoStore

/// `taostream notify`: alert evaluation and delivery on their own (several may run side by side).
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Evaluate alert rules on every dividend change and deliver webhooks and web push."
    )

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let source = try options.load()
        guard let alerts = try AlertSetup.load(source) else {
            throw ValidationError("alerts are off: set TAOSTREAM_ALERT_KEY_FILE to a key made by `taostream notify-keys --dir DIR`")
        }
        let logger = Logger(label: "taostream.notify")
        let redisConfiguration = try options.redis(source)
        let (redis, database) = try await CommonOptions.connect(redis: redisConfiguration, database: try options.database(source))
        let layout = RedisLayout(prefix: source.string("TAOSTREAM_REDIS_PREFIX", default: "taostream"))
        let metrics = NotifierMetrics()
        let services = alerts.notifier(redis: redisConfiguration, layout: layout, database: database, metrics: metrics, logger: logger)
        let host = source.string("TAOSTREAM_NOTIFIER_HTTP_HOST", default: "127.0.0.1")
        let port = try source.integer("TAOSTREAM_NOTIFIER_HTTP_PORT", default: 9092, range: 1...65535)
        let http = NotifierHTTP(redis: redis, store: AlertStore(database: database), metrics: metrics, host: host, port: port, logger: logger)
        try await ProcessLifecycle.run(
            [ProcessLifecycle.service(database), ProcessLifecycle.oneShot(MigrationService(database: database, logger: logger))]
                + services.map(ProcessLifecycle.service)
                + [ProcessLifecycle.service(ListeningService(http.application, host: host, port: port, portSetting: "TAOSTREAM_NOTIFIER_HTTP_PORT"))],
            logger: logger
        )
        await redis.close()
    }
}

/// `taostream notify-keys --dir DIR`: the alert key and the VAPID key, made once.
struct NotifyKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify-keys",
        abstract: "Create the alert key (webhook secrets) and the VAPID key (web push) in a directory; existing keys are kept."
    )

    @Option(help: "Directory for alert.key and vapid.pem") var dir: String

    func run() throws {
        let alertPath = dir + "/alert.key", vapidPath = dir + "/vapid.pem"
        for (path, make) in [(alertPath, AlertKey.generate), (vapidPath, VAPIDKey.generate)] {
            do {
                try make(path)
                print("created \(path)")
            } catch .exists {
                print("kept \(path)")
            }
        }
        let vapid = try VAPIDKey.load(path: vapidPath, subject: "mailto:operator@localhost")
        print("TAOSTREAM_ALERT_KEY_FILE=\(alertPath)")
        print("TAOSTREAM_VAPID_KEY_FILE=\(vapidPath)")
        print("VAPID public key (applicationServerKey): \(vapid.publicKey)")
    }
}
