import Prometheus

/// The watcher's Prometheus metrics, in a registry the caller owns (the server's, when both run
/// in one process, so one `/metrics` shows everything).
public struct WatcherMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let blocksBehind: Gauge
    let lastBlock: Gauge
    let blocksProcessed: Counter
    let changesPublished: Counter
    let reconnects: Counter
    let historyBacklog: Gauge
    let redisRestores: Counter
    let chainResets: Counter
    let readLatency: DurationHistogram

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        blocksBehind = registry.makeGauge(descriptor: .init(namespace: "taostream_watcher", metricName: "blocks_behind", unitName: "", helpText: "Finalized blocks not yet processed"))
        lastBlock = registry.makeGauge(descriptor: .init(namespace: "taostream_watcher", metricName: "last_block", unitName: "", helpText: "Last block published"))
        blocksProcessed = registry.makeCounter(descriptor: .init(namespace: "taostream_watcher", metricName: "blocks_processed", unitName: "total", helpText: "Blocks read and published"))
        changesPublished = registry.makeCounter(descriptor: .init(namespace: "taostream_watcher", metricName: "changes_published", unitName: "total", helpText: "Dividend changes published"))
        reconnects = registry.makeCounter(descriptor: .init(namespace: "taostream_watcher", metricName: "reconnects", unitName: "total", helpText: "Connections to the node re-established"))
        historyBacklog = registry.makeGauge(descriptor: .init(namespace: "taostream_watcher", metricName: "history_backlog", unitName: "", helpText: "Blocks waiting for PostgreSQL"))
        redisRestores = registry.makeCounter(descriptor: .init(namespace: "taostream_watcher", metricName: "redis_restores", unitName: "total", helpText: "Times Redis had lost the published state and it was put back"))
        chainResets = registry.makeCounter(descriptor: .init(namespace: "taostream_watcher", metricName: "chain_resets", unitName: "total", helpText: "Times the chain no longer held the last published block and a fresh snapshot was published"))
        readLatency = registry.makeDurationHistogram(
            descriptor: .init(namespace: "taostream_watcher", metricName: "block_read", unitName: "seconds", helpText: "Time to read what changed in one block"),
            buckets: [.milliseconds(5), .milliseconds(20), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10), .seconds(60)]
        )
    }

    /// For the ``ChainClient`` that feeds the watcher: one more reconnect to the node.
    public func recordReconnect() { reconnects.increment() }
}
