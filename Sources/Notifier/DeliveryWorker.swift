import Foundation
import Logging
import Model
import Synchronization
import TaoStore

/// Sends what the outbox holds: leases due deliveries as attempt slots free up, attempts them,
/// records each outcome, and sleeps until the next one is due, a slot frees or the consumer
/// rings. The lease, not this process's memory, says a delivery is in flight: killed
/// mid-request, it is attempted again, same id, once the lease runs out; and an attempt that
/// outlived its lease cannot record over the attempt that took the delivery over.
struct DeliveryWorker: Sendable {
    let store: AlertStore
    let sender: AlertSender
    let settings: NotifierSettings
    let metrics: NotifierMetrics
    let doorbell: Doorbell
    let logger: Logger

    /// The longest sleep: other notifiers' deliveries and expired leases are found at least this often.
    static let maximumIdle: Duration = .seconds(30)
    /// Attempts beyond the retry schedule allowed for ones whose outcome was lost.
    static let unrecordedAttempts = 4

    func run() async {
        let inFlight = SlotCount()
        var lastPrune = ContinuousClock.now - .seconds(3_600)
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                var wait = Self.maximumIdle
                let free = settings.concurrency - inFlight.value
                guard free > 0 else {
                    // Every slot is busy: the attempt that ends first rings.
                    await doorbell.wait(timeout: Self.maximumIdle)
                    continue
                }
                do {
                    // One slow destination holds one slot, not the others.
                    let due = try await store.claimDue(limit: free, leaseSeconds: settings.lease.seconds, logger: logger)
                    for delivery in due {
                        inFlight.add(1)
                        group.addTask {
                            await self.deliver(delivery)
                            inFlight.add(-1)
                            self.doorbell.ring()
                        }
                    }
                    if due.count == free { continue }
                    if let next = try await store.secondsUntilNextDue(logger: logger) {
                        wait = min(wait, .milliseconds(Int64(next * 1_000) + 10))
                    }
                    let depth = try await store.outboxDepth(logger: logger)
                    metrics.outbox(pending: depth.pending, oldest: depth.oldestSeconds)
                    if ContinuousClock.now - lastPrune > .seconds(3_600) {
                        lastPrune = .now
                        await prune()
                    }
                } catch {
                    guard !Task.isCancelled else { return }
                    logger.warning("alert deliveries paused; retrying", metadata: ["error": "\(error)"])
                    wait = .seconds(1)
                }
                await doorbell.wait(timeout: wait)
            }
        }
    }

    /// Keeps the delivery log bounded; a failure here does not hold deliveries back.
    private func prune() async {
        do {
            let removed = try await store.prune(olderThanDays: settings.retentionDays, logger: logger)
            if removed > 0 { logger.info("pruned old deliveries from the log", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.warning("old deliveries could not be pruned", metadata: ["error": "\(error)"])
        }
    }

    private func deliver(_ delivery: AlertStore.DueDelivery) async {
        do {
            // Attempts whose outcome was never recorded (their notifier died each time) would
            // otherwise go on for ever: past the schedule and a margin, the delivery stops.
            if delivery.attempt > settings.retries.delays.count + Self.unrecordedAttempts {
                try await store.abandon(delivery, reason: "no outcome could be recorded in \(delivery.attempt - 1) attempts", logger: logger)
                metrics.failed(final: true)
                return
            }
            guard let stored = try await store.deliverableRule(delivery.ruleID, logger: logger) else {
                try await store.abandon(delivery, reason: "the alert is disabled, or its token was revoked or lost the read or alerts scope", logger: logger)
                metrics.failed(final: true)
                return
            }
            let outcome = await sender.send(delivery, rule: stored)
            // A stop cut the attempt short: that is not the destination's failure. The lease
            // runs out and the next notifier attempts it again, same id.
            guard !Task.isCancelled else { return }
            try await record(outcome, delivery: delivery)
        } catch {
            // The lease runs out and the delivery is attempted again.
            logger.warning("a delivery outcome could not be recorded", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    private func record(_ outcome: AlertSender.Outcome, delivery: AlertStore.DueDelivery) async throws {
        switch outcome {
        case .delivered(let status):
            if try await store.recordDelivered(delivery, status: status, logger: logger) { metrics.delivered() }
        case .gone(let status):
            let reason = "the push service says the browser's subscription is gone (HTTP \(status)); subscribe again"
            try await store.disable(delivery.ruleID, reason: reason, logger: logger)
            metrics.failed(final: true)
            logger.info("an alert's push subscription is gone; the alert is disabled", metadata: ["alert": "\(delivery.ruleID)"])
        case .failedForGood(let reason):
            try await store.abandon(delivery, reason: reason, logger: logger)
            metrics.failed(final: true)
            logger.warning("an alert delivery cannot succeed", metadata: ["alert": "\(delivery.ruleID)", "reason": "\(reason)"])
        case .failed(let status, let reason):
            let retry = settings.retries.delay(afterAttempt: delivery.attempt, random: Double.random(in: 0..<1))
            let disabled = try await store.recordFailure(delivery, status: status, error: reason, retryIn: retry,
                                                         disableAfter: settings.disableAfter.seconds, streakGap: settings.retries.span * 1.5, logger: logger)
            metrics.failed(final: retry == nil)
            if disabled != nil {
                logger.notice("an alert kept failing and is disabled", metadata: ["alert": "\(delivery.ruleID)"])
            }
        }
    }
}

/// Attempts in flight, shared by the loop that starts them and the tasks that end them.
final class SlotCount: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .acquiring) }

    func add(_ delta: Int) { count.add(delta, ordering: .acquiringAndReleasing) }
}
