import Foundation
import Logging
import Model
import TaoStore

/// Sends what the outbox holds: leases due deliveries, attempts them, records each outcome, and
/// sleeps until the next one is due or the consumer rings. The lease, not this process's memory,
/// says a delivery is in flight: killed mid-request, it is attempted again, same id, once the
/// lease runs out.
struct DeliveryWorker: Sendable {
    let store: AlertStore
    let sender: AlertSender
    let settings: NotifierSettings
    let metrics: NotifierMetrics
    let doorbell: Doorbell
    let logger: Logger

    /// The longest sleep: other notifiers' deliveries and expired leases are found at least this often.
    static let maximumIdle: Duration = .seconds(30)

    func run() async {
        while !Task.isCancelled {
            var wait = Self.maximumIdle
            do {
                let due = try await store.claimDue(limit: settings.concurrency, leaseSeconds: settings.lease.seconds, logger: logger)
                await attempt(due)
                if due.count == settings.concurrency { continue }
                if let next = try await store.secondsUntilNextDue(logger: logger) {
                    wait = min(wait, .milliseconds(Int64(next * 1_000) + 10))
                }
                let depth = try await store.outboxDepth(logger: logger)
                metrics.outbox(pending: depth.pending, oldest: depth.oldestSeconds)
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("alert deliveries paused; retrying", metadata: ["error": "\(error)"])
                wait = .seconds(1)
            }
            await doorbell.wait(timeout: wait)
        }
    }

    private func attempt(_ due: [AlertStore.DueDelivery]) async {
        await withTaskGroup(of: Void.self) { group in
            for delivery in due {
                group.addTask { await self.deliver(delivery) }
            }
        }
    }

    private func deliver(_ delivery: AlertStore.DueDelivery) async {
        do {
            guard let stored = try await store.rule(delivery.ruleID, logger: logger), stored.rule.disabledReason == nil else {
                try await store.recordFailure(delivery.id, ruleID: delivery.ruleID, status: nil, error: "the alert is disabled", retryIn: nil,
                                              disableAfter: settings.disableAfter.seconds, logger: logger)
                return
            }
            let outcome = await sender.send(delivery, rule: stored)
            try await record(outcome, delivery: delivery)
        } catch {
            // The lease runs out and the delivery is attempted again.
            logger.warning("a delivery outcome could not be recorded", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    private func record(_ outcome: AlertSender.Outcome, delivery: AlertStore.DueDelivery) async throws {
        switch outcome {
        case .delivered(let status):
            try await store.recordDelivered(delivery.id, ruleID: delivery.ruleID, status: status, logger: logger)
            metrics.delivered()
        case .gone(let status):
            let reason = "the push service says the browser's subscription is gone (HTTP \(status)); subscribe again"
            try await store.disable(delivery.ruleID, reason: reason, logger: logger)
            metrics.failed(final: true)
            logger.info("an alert's push subscription is gone; the alert is disabled", metadata: ["alert": "\(delivery.ruleID)"])
        case .failed(let status, let reason):
            let retry = settings.retries.delay(afterAttempt: delivery.attempt, random: Double.random(in: 0..<1))
            let disabled = try await store.recordFailure(delivery.id, ruleID: delivery.ruleID, status: status, error: reason, retryIn: retry,
                                                         disableAfter: settings.disableAfter.seconds, logger: logger)
            metrics.failed(final: retry == nil)
            if disabled != nil {
                logger.notice("an alert kept failing and is disabled", metadata: ["alert": "\(delivery.ruleID)"])
            }
        }
    }
}
