import Foundation
import NIOCore
import TaoConfiguration

/// What the notifier reads from the environment (documented in the README's table).
public struct NotifierSettings: Sendable {
    /// TAOSTREAM_ALERT_KEY_FILE: the 32-byte key behind webhook secrets and sealed push keys.
    public var alertKeyFile: String?
    /// TAOSTREAM_VAPID_KEY_FILE: the P-256 PEM Web Push is signed with; without it, no web push alerts.
    public var vapidKeyFile: String?
    /// TAOSTREAM_VAPID_SUBJECT: the contact push services may use (`mailto:` or `https:`).
    public var vapidSubject = "mailto:operator@localhost"
    /// TAOSTREAM_WEBHOOK_ALLOW_PRIVATE: let alerts reach private, loopback and link-local addresses.
    public var allowPrivate = false
    /// TAOSTREAM_WEBHOOK_RETRY_DELAYS: seconds between attempts, comma-separated.
    public var retries = RetrySchedule()
    /// TAOSTREAM_WEBHOOK_DISABLE_AFTER: a rule failing this long without one success is disabled.
    public var disableAfter: Duration = .seconds(5 * 86_400)
    /// TAOSTREAM_WEBHOOK_TIMEOUT: how long one attempt may take.
    public var timeout: Duration = .seconds(10)
    /// TAOSTREAM_ALERT_LEASE: how long an attempt holds its delivery before another notifier may
    /// take it over (a notifier killed mid-request); longer than the timeout.
    public var lease: Duration = .seconds(60)
    /// TAOSTREAM_MAX_ALERT_DELIVERIES_PER_HOUR: per token; more are logged as suppressed.
    public var deliveriesPerHour = 100
    /// TAOSTREAM_NOTIFIER_NAME: this notifier's consumer name in the change log's group.
    /// The default has the process id: `run` and `notify` on one host are two consumers, and one
    /// restarted takes its predecessor's unacknowledged entries over after 30 s.
    public var consumer = "notifier-\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    /// TAOSTREAM_ALERT_RETENTION_DAYS: finished deliveries are kept this long in the log.
    public var retentionDays = 30
    /// Deliveries attempted at once.
    public var concurrency = 16

    public init() {}

    public init(_ source: SettingsSource) throws(ConfigurationError) {
        alertKeyFile = source.optionalString("TAOSTREAM_ALERT_KEY_FILE")
        vapidKeyFile = source.optionalString("TAOSTREAM_VAPID_KEY_FILE")
        vapidSubject = source.string("TAOSTREAM_VAPID_SUBJECT", default: vapidSubject)
        guard vapidSubject.hasPrefix("mailto:") || vapidSubject.hasPrefix("https:") else {
            throw ConfigurationError(setting: "TAOSTREAM_VAPID_SUBJECT", origin: source.lookup("TAOSTREAM_VAPID_SUBJECT")?.origin,
                                     problem: "'\(vapidSubject)' is neither a mailto: nor an https: URL", fix: "Example: mailto:ops@example.com")
        }
        allowPrivate = try source.boolean("TAOSTREAM_WEBHOOK_ALLOW_PRIVATE", default: false)
        if let found = source.lookup("TAOSTREAM_WEBHOOK_RETRY_DELAYS") {
            guard let parsed = RetrySchedule.parse(found.value) else {
                throw ConfigurationError(setting: "TAOSTREAM_WEBHOOK_RETRY_DELAYS", origin: found.origin, problem: "'\(found.value)' is not a list of positive seconds",
                                         fix: "Example: 5,300,1800,7200,18000,36000,36000 (the default)")
            }
            retries = parsed
        }
        disableAfter = try source.duration("TAOSTREAM_WEBHOOK_DISABLE_AFTER", default: disableAfter, range: .seconds(1) ... .seconds(90 * 86_400))
        timeout = try source.duration("TAOSTREAM_WEBHOOK_TIMEOUT", default: timeout, range: .milliseconds(100) ... .seconds(60))
        lease = try source.duration("TAOSTREAM_ALERT_LEASE", default: lease, range: .milliseconds(500) ... .seconds(3_600))
        // An attempt must end (and record its outcome) before another may take its delivery.
        guard lease >= timeout * 2 else {
            throw ConfigurationError(setting: "TAOSTREAM_ALERT_LEASE", origin: source.lookup("TAOSTREAM_ALERT_LEASE")?.origin,
                                     problem: "\(lease) is shorter than twice TAOSTREAM_WEBHOOK_TIMEOUT (\(timeout))",
                                     fix: "Give the lease at least twice the timeout, so an attempt ends before another notifier may retry it.")
        }
        retentionDays = try source.integer("TAOSTREAM_ALERT_RETENTION_DAYS", default: retentionDays, range: 1...3_650)
        deliveriesPerHour = try source.integer("TAOSTREAM_MAX_ALERT_DELIVERIES_PER_HOUR", default: deliveriesPerHour, range: 1...1_000_000)
        consumer = source.string("TAOSTREAM_NOTIFIER_NAME", default: consumer)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var timeAmount: TimeAmount { .nanoseconds(Int64(seconds * 1e9)) }
}
