import Foundation
import Logging
import Model
import TaoRedis
import Synchronization
import TaoStore

/// Evaluates every change in the change log against the alert rules, once: notifiers share the
/// log through one Redis consumer group, an entry is acknowledged only after its firings are
/// stored, and a firing's delivery id comes from the rule and the change, so an entry evaluated
/// again (its notifier died before acknowledging) stores nothing twice.
struct AlertConsumer: Sendable {
    /// For the blocking reads of the change log only.
    let reader: RedisClient
    let redis: RedisClient
    let layout: RedisLayout
    let store: AlertStore
    let settings: NotifierSettings
    let metrics: NotifierMetrics
    let doorbell: Doorbell
    let logger: Logger
    /// Seconds since 1970, for cool-downs.
    var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }
    /// Stalls this notifier already stored: an entry stays stalled for many blocks, and each
    /// block would otherwise cost a transaction per stalled entry to learn it is a duplicate.
    let storedStalls = StallMemory()

    /// An entry pending with a consumer this long is taken over (its notifier is gone).
    static let reclaimAfter: Duration = .seconds(30)

    func consume() async throws {
        let key = layout.changeLogKey, group = RedisLayout.notifierGroup
        // A new group starts at the end of the log: alerts are about changes from now on.
        try await redis.xgroupCreate(key, group: group, startingAt: "$")
        try await evaluate(try await reader.xreadgroup(group: group, consumer: settings.consumer, stream: key, id: "0", count: 1_000))
        // The claim cursor goes on where the last claim stopped: a long pending list is walked
        // 100 at a time instead of its first 100 being scanned again every round.
        var cursor = "0-0"
        while !Task.isCancelled {
            let (next, claimed) = try await redis.xautoclaim(key, group: group, consumer: settings.consumer, minIdle: Self.reclaimAfter, start: cursor, count: 100)
            cursor = next
            if !claimed.isEmpty { try await evaluate(claimed) }
            try await evaluate(try await reader.xreadgroup(group: group, consumer: settings.consumer, stream: key, count: 200, block: .seconds(5)))
        }
    }

    /// Stores the firings of a batch of log entries, then acknowledges them.
    func evaluate(_ entries: [RedisStreamEntry]) async throws {
        guard !entries.isEmpty else { return }
        // Rules are read per batch (about once a block): always current, one query per block.
        let rules = AlertRuleIndex(try await store.activeRules(logger: logger).map(\.rule))
        var firings: [OutboxPlan.Firing] = []
        for entry in entries {
            guard let json = entry.fields[RedisLayout.changeField], let change = try? JSONDecoder().decode(DividendChange.self, from: Data(json)) else {
                logger.warning("a change log entry cannot be read and is skipped", metadata: ["entry": "\(entry.id)"])
                continue
            }
            let event = String(decoding: json, as: UTF8.self)
            firings += AlertEvaluator.firings(for: change, index: rules).map { Self.outbox($0, event: event) }
        }
        // The whole batch in one transaction, then the acknowledgement.
        let queued = try await store(firings).contains(.queued)
        _ = try await redis.xack(layout.changeLogKey, group: RedisLayout.notifierGroup, ids: entries.map(\.id))
        if queued { doorbell.ring() }
    }

    /// Checks the `stalled` rules at a new block.
    func checkStalls(at block: UInt64) async throws {
        let rules = try await store.activeRules(logger: logger).map(\.rule).filter { if case .stalled = $0.spec.condition { return true } else { return false } }
        guard !rules.isEmpty else { return }
        let blockHash = (try? await redis.hget(layout.watcherKey, "block_hash")).flatMap { $0.map { String(decoding: $0, as: UTF8.self) } } ?? ""
        let tracked = try await redis.smembers(layout.kindsKey).map(DividendKind.init(rawValue:))
        var queued = false
        for rule in rules {
            // One rule failing (a lost connection mid-way) does not skip the others at this block.
            do {
                queued = try await checkStalls(of: rule, at: block, blockHash: blockHash, tracked: tracked) || queued
            } catch {
                logger.warning("a stalled alert could not be checked at this block", metadata: ["alert": "\(rule.id)", "block": "\(block)", "error": "\(error)"])
            }
        }
        if queued { doorbell.ring() }
    }

    private func checkStalls(of rule: AlertRule, at block: UInt64, blockHash: String, tracked: [DividendKind]) async throws -> Bool {
        guard let netuid = rule.spec.filter.netuid else { return false }
        var entries: [DividendEntry] = []
        for kind in tracked where rule.spec.filter.kinds?.contains(kind) ?? true {
            let hash = try await redis.hgetall(layout.latestKey(kind: kind, netuid: netuid))
            entries += hash.values.compactMap { try? JSONDecoder().decode(DividendEntry.self, from: Data($0)) }
        }
        let stalls = AlertEvaluator.stalls(rule: rule, entries: entries, at: block, blockHash: blockHash).filter { !storedStalls.contains($0.deliveryID) }
        let outcomes = try await store(stalls.map { firing in
            Self.outbox(firing, event: (try? JSONEncoder().encode(firing.event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}")
        })
        // Only a stall the outbox now holds is settled; one held back by a cool-down may be
        // stored at a later block and is checked again.
        for (firing, outcome) in zip(stalls, outcomes) where outcome.isStored { storedStalls.insert(firing.deliveryID) }
        return outcomes.contains(.queued)
    }

    /// Stores firings in the outbox; an outcome per firing.
    private func store(_ firings: [OutboxPlan.Firing]) async throws -> [AlertStore.EnqueueOutcome] {
        guard !firings.isEmpty else { return [] }
        let outcomes = try await store.enqueue(firings, perHour: settings.deliveriesPerHour, now: now(), logger: logger)
        for outcome in outcomes { metrics.firings(outcome) }
        return outcomes
    }

    static func outbox(_ firing: AlertEvaluator.Firing, event: String) -> OutboxPlan.Firing {
        OutboxPlan.Firing(deliveryID: firing.deliveryID, ruleID: firing.rule.id, tokenID: firing.rule.tokenID, key: firing.key, event: event,
                          cooldown: firing.rule.spec.cooldownSeconds)
    }
}

/// The delivery ids of stalls already stored, bounded: forgetting them only costs a duplicate check.
final class StallMemory: Sendable {
    private let ids = Mutex<Set<String>>([])
    static let capacity = 100_000

    func contains(_ id: String) -> Bool { ids.withLock { $0.contains(id) } }

    func insert(_ id: String) {
        ids.withLock { ids in
            if ids.count >= Self.capacity { ids.removeAll(keepingCapacity: true) }
            ids.insert(id)
        }
    }
}
