import Logging
import Model
import Notifier
import ServiceLifecycle
import StreamServer
import TaoConfiguration
import TaoRedis
import TaoStore

/// Alerts, as `serve`, `notify` and `run` configure them: on when TAOSTREAM_ALERT_KEY_FILE names
/// a key file; web push too when TAOSTREAM_VAPID_KEY_FILE names a VAPID key.
struct AlertSetup {
    let settings: NotifierSettings
    let key: AlertKey
    let vapid: VAPIDKey?

    /// Nil when alerts are off.
    static func load(_ source: SettingsSource) throws -> AlertSetup? {
        let settings = try NotifierSettings(source)
        guard let keyFile = settings.alertKeyFile else { return nil }
        do {
            let key = try AlertKey.load(path: keyFile)
            let vapid = try settings.vapidKeyFile.map { path throws(AlertKeyError) in try VAPIDKey.load(path: path, subject: settings.vapidSubject) }
            return AlertSetup(settings: settings, key: key, vapid: vapid)
        } catch {
            throw ConfigurationError(setting: "TAOSTREAM_ALERT_KEY_FILE", origin: source.lookup("TAOSTREAM_ALERT_KEY_FILE")?.origin,
                                     problem: error.description, fix: "Create the keys once with `taostream notify-keys --dir DIR`.")
        }
    }

    func server(_ source: SettingsSource, database: Database) throws -> ServerAlerts {
        ServerAlerts(store: AlertStore(database: database), key: key, vapidPublicKey: vapid?.publicKey, allowPrivate: settings.allowPrivate,
                     maximumRules: try source.integer("TAOSTREAM_MAX_ALERTS_PER_TOKEN", default: 20, range: 1...10_000))
    }

    /// The notifier and the Redis subscriber it follows blocks with; both are services to run.
    func notifier(redis: RedisConfiguration, layout: RedisLayout, database: Database, metrics: NotifierMetrics, logger: Logger) -> [any Service] {
        let subscriber = Notifier.blockSubscriber(configuration: redis)
        if let vapid, vapid.subjectIsLocal {
            logger.warning("TAOSTREAM_VAPID_SUBJECT names localhost; Apple's push service (Safari) refuses such pushes: set it to a mailto: or https: contact of yours")
        }
        let notifier = Notifier(redis: redis, subscriber: subscriber, layout: layout,
                                store: AlertStore(database: database), alertKey: key, vapid: vapid, settings: settings, metrics: metrics, logger: logger)
        return [subscriber, notifier]
    }
}
