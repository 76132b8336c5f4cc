import Foundation
import Logging
import Model
import Notifier
import TaoStore

/// Alert evaluation at scale: RULES rules spread over SUBNETS subnets (most on one hotkey, some on a
/// whole subnet, a few on a hotkey everywhere), then one epoch of ENTRIES changes on one subnet.
/// Times, separately: reading the active rules from PostgreSQL, indexing and evaluating them
/// against every change, and storing the firings in the outbox (one transaction for the batch,
/// as the notifier does). Usage: alert-evaluation DATABASE_URL [RULES] [ENTRIES] [SUBNETS] [ROUNDS]
@main
struct AlertEvaluation {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else { fatalError("usage: alert-evaluation DATABASE_URL [RULES] [ENTRIES] [SUBNETS] [ROUNDS]") }
        let ruleCount = arguments.count > 2 ? Int(arguments[2])! : 10_000
        let entryCount = arguments.count > 3 ? Int(arguments[3])! : 2_000
        let subnets = arguments.count > 4 ? UInt16(arguments[4])! : 64
        let rounds = arguments.count > 5 ? Int(arguments[5])! : 5
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let database = Database(configuration: try DatabaseConfiguration(url: arguments[1]), logger: logger)
        let running = Task { await database.run() }
        defer { running.cancel() }
        await database.ready()
        try await Migrator(database: database).migrate(logger: logger)
        let store = AlertStore(database: database)
        let tokens = TokenStore(database: database)

        var random = SystemRandomNumberGenerator()
        let hotkeys = (0..<entryCount).map { "hk\($0)" }
        let conditions: [AlertCondition] = [.relativeChange(percent: 30, direction: .drop), .crosses(side: .below, threshold: 500_000_000),
                                            .newEntry, .removedEntry, .relativeChange(percent: 50, direction: .either), .anyChange]
        // 100 rules per token, the default-ish cap; owners with read and alerts.
        var owner = ""
        let start = ContinuousClock.now
        for index in 0..<ruleCount {
            if index % 100 == 0 { owner = try await tokens.create(label: "bench", scopes: [.read, .alerts]).record.id }
            let netuid = UInt16(index) % subnets
            let shape = index % 20
            let filter: DividendFilter = shape < 16 ? DividendFilter(netuid: netuid, hotkey: hotkeys.randomElement(using: &random))
                : shape < 19 ? DividendFilter(netuid: netuid) : DividendFilter(hotkey: hotkeys.randomElement(using: &random))
            let spec = AlertSpec(filter: filter, condition: conditions[index % conditions.count], cooldownSeconds: 0,
                                 destination: .webhook(url: "https://example.invalid/hook/\(index)", format: .standard))
            _ = try await store.create(spec, id: "alr_bench_\(index)", tokenID: owner, sealedPushKeys: nil, maximumRules: 100, logger: logger)
        }
        print("rules: \(ruleCount) over \(subnets) subnets, created in \(ContinuousClock.now - start); epoch: \(entryCount) changes on subnet 0; machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")

        let kind = DividendKind(rawValue: "AlphaDividendsPerSubnet")
        for round in 1...rounds {
            let block = UInt64(1_000 + round)
            let changes = hotkeys.enumerated().map { sequence, hotkey in
                DividendChange(kind: kind, netuid: 0, hotkey: hotkey, old: UInt64.random(in: 0...1_000_000_000, using: &random),
                               new: UInt64.random(in: 0...1_000_000_000, using: &random), block: block, blockHash: "0x",
                               offset: StreamOffset(block: block, sequence: UInt64(sequence)))
            }
            let loadStart = ContinuousClock.now
            let rules = try await store.activeRules(logger: logger).map(\.rule)
            let loaded = ContinuousClock.now - loadStart
            let evaluateStart = ContinuousClock.now
            let index = AlertRuleIndex(rules)
            let firings = changes.flatMap { AlertEvaluator.firings(for: $0, index: index) }
            let evaluated = ContinuousClock.now - evaluateStart
            let storeStart = ContinuousClock.now
            let encoder = JSONEncoder()
            // As the notifier does: a batch of changes (here the whole epoch) in one transaction.
            let batch = try firings.map { firing in
                OutboxPlan.Firing(deliveryID: firing.deliveryID, ruleID: firing.rule.id, tokenID: firing.rule.tokenID, key: firing.key,
                                  event: String(decoding: try encoder.encode(firing.event), as: UTF8.self), cooldown: 0)
            }
            let outcomes = try await store.enqueue(batch, perHour: 1_000_000, now: Date().timeIntervalSince1970, logger: logger)
            let queued = outcomes.filter { $0 == .queued }.count
            let stored = ContinuousClock.now - storeStart
            print("round \(round): load \(ms(loaded)) ms, index+evaluate \(ms(evaluated)) ms (\(firings.count) firings), store \(ms(stored)) ms (\(queued) queued), total \(ms(loaded + evaluated + stored)) ms")
            // The next round starts from an empty outbox.
            try await database.client.query("DELETE FROM alert_deliveries", logger: logger)
        }
    }

    static func ms(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15)
    }
}
