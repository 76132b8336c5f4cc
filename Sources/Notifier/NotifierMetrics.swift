import Prometheus
import TaoStore

/// The notifier's Prometheus metrics: deliveries by outcome, firings by what became of them, and
/// the outbox's depth and age.
public struct NotifierMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let deliveredCount: Counter
    private let retriedCount: Counter
    private let failedCount: Counter
    private let queuedCount: Counter
    private let duplicateCount: Counter
    private let coolingCount: Counter
    private let suppressedCount: Counter
    private let disabledCount: Counter
    private let pending: Gauge
    private let oldest: Gauge

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        func deliveries(_ outcome: String) -> Counter {
            registry.makeCounter(name: "taostream_alert_deliveries_total", labels: [("outcome", outcome)], help: "Delivery attempts by outcome")
        }
        deliveredCount = deliveries("delivered")
        retriedCount = deliveries("retry")
        failedCount = deliveries("failed")
        func firings(_ outcome: String) -> Counter {
            registry.makeCounter(name: "taostream_alert_firings_total", labels: [("outcome", outcome)], help: "Rules fired by a change, by what became of the firing")
        }
        queuedCount = firings("queued")
        duplicateCount = firings("duplicate")
        coolingCount = firings("cooling_down")
        suppressedCount = firings("suppressed")
        disabledCount = firings("rule_disabled")
        pending = registry.makeGauge(name: "taostream_alert_outbox_pending", labels: [], help: "Deliveries waiting for an attempt")
        oldest = registry.makeGauge(name: "taostream_alert_outbox_oldest_seconds", labels: [], help: "Age of the oldest undelivered delivery")
    }

    func delivered() { deliveredCount.increment() }
    func failed(final: Bool) { (final ? failedCount : retriedCount).increment() }
    func outbox(pending count: Int, oldest age: Double) {
        pending.set(Double(count))
        oldest.set(age)
    }

    func firings(_ outcome: AlertStore.EnqueueOutcome) {
        switch outcome {
        case .queued: queuedCount.increment()
        case .duplicate: duplicateCount.increment()
        case .coolingDown: coolingCount.increment()
        case .suppressed: suppressedCount.increment()
        case .ruleDisabled: disabledCount.increment()
        }
    }
}
