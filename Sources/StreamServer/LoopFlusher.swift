import NIOCore

/// Flushes the connections an event loop wrote updates to, once for every batch of updates that
/// were waiting on the loop together: under load, several updates reach a socket in one write
/// (and the client in one read) instead of one system call each; when idle, an update is flushed
/// in the loop's next task, right after it was written to all of the loop's sockets.
///
/// Measured against flushing each update at once (Benchmarks/RESULTS.md, 2026-12-03): the same
/// latency at 1 publish/s within the machine's noise, twice the throughput at saturation.
final class LoopFlusher {
    private var batches: [(targets: [UpdateRouter.Target], received: ContinuousClock.Instant)] = []
    private var scheduled = false
    private let loop: any EventLoop

    private init(loop: any EventLoop) { self.loop = loop }

    /// On the loop: flushes `targets` after the tasks already queued on the loop have run.
    func flushSoon(_ targets: [UpdateRouter.Target], received: ContinuousClock.Instant, metrics: ServerMetrics?) {
        batches.append((targets, received))
        guard !scheduled else { return }
        scheduled = true
        let box = UncheckedBox(self)
        loop.execute {
            box.value.flush(metrics: metrics)
        }
    }

    private func flush(metrics: ServerMetrics?) {
        scheduled = false
        let pending = batches
        batches = []
        for batch in pending {
            for target in batch.targets { target.transport.endBatch(target.queue) }
        }
        let now = ContinuousClock.now
        for batch in pending { metrics?.publishToSend.record(now - batch.received) }
    }

    private static let perLoop = PerEventLoop { LoopFlusher(loop: $0) }

    /// The flusher of `loop`; only ever used on that loop.
    static func of(_ loop: any EventLoop) -> LoopFlusher { perLoop.of(loop) }
}
