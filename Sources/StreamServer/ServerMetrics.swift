import Prometheus

/// The StreamServer's Prometheus metrics, in a registry of its own (no global metrics system, so
/// several servers can live in one test process).
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let connections: Gauge
    let subscriptions: Gauge
    let messagesOut: Counter
    let updatesRouted: Counter
    let queueDrops: Counter
    let slowClosed: Counter
    let protocolErrors: Counter
    let authFailures: Counter
    let feedReconnects: Counter
    let publishToSend: DurationHistogram

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        connections = registry.makeGauge(descriptor: .init(namespace: "taostream", metricName: "connections", unitName: "", helpText: "Open WebSocket connections"))
        subscriptions = registry.makeGauge(descriptor: .init(namespace: "taostream", metricName: "subscriptions", unitName: "", helpText: "Active subscriptions"))
        messagesOut = registry.makeCounter(descriptor: .init(namespace: "taostream", metricName: "messages_out", unitName: "total", helpText: "Messages written to clients"))
        updatesRouted = registry.makeCounter(descriptor: .init(namespace: "taostream", metricName: "updates_routed", unitName: "total", helpText: "Dividend changes received from Redis and routed"))
        queueDrops = registry.makeCounter(descriptor: .init(namespace: "taostream", metricName: "queue_conflated", unitName: "total", helpText: "Queued updates replaced by a newer value for a slow client"))
        slowClosed = registry.makeCounter(descriptor: .init(namespace: "taostream", metricName: "slow_clients_closed", unitName: "total", helpText: "Connections closed for reading too slowly"))
        protocolErrors = registry.makeCounter(descriptor: .init(namespace: "taostream", metricName: "protocol_errors", unitName: "total", helpText: "Client messages answered with an error"))
        authFailures = registry.makeCounter(descriptor: .init(namespace: "taostream", metricName: "auth_failures", unitName: "total", helpText: "Refused authentications"))
        feedReconnects = registry.makeCounter(descriptor: .init(namespace: "taostream", metricName: "feed_reconnects", unitName: "total", helpText: "Times the Redis subscription came back after a loss"))
        publishToSend = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "taostream", metricName: "update_latency", unitName: "seconds",
                helpText: "From receiving a change from Redis to handing it to a client's socket"
            ),
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5)]
        )
    }
}
