#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ChainWatcher
import Foundation
import Logging
import Model
import Notifier
import ServiceLifecycle
import TaoRedis
import TaoStore
import TestHarness

/// A real Redis, a fresh PostgreSQL database (migrated), the Python receiver
/// (Tests/Oracle/alert_receiver.py) and a notifier running in this process; torn down, awaited,
/// when `body` returns.
struct NotifierSystem: Sendable {
    let redis: RedisClient
    let layout: RedisLayout
    let database: Database
    let store: AlertStore
    let key: AlertKey
    let vapid: VAPIDKey
    let receiver: AlertReceiver
    let logger: Logger
    /// Tokens by the label a test names them with, created on first use (rules need an owner
    /// with `read` and `alerts`).
    let tokens = Locked<[String: String]>([:])

    /// The id of the token a test calls `label` (`read` and `alerts` scopes).
    func tokenID(_ label: String) async throws -> String {
        if let id = tokens.value[label] { return id }
        let id = try await TokenStore(database: database).create(label: label, scopes: [.read, .alerts]).record.id
        tokens.withLock { $0[label] = id }
        return id
    }

    static let hotkey = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"

    /// Runs `body` with everything started; `settings` adjusts the notifier's.
    /// Without `notifying`, no notifier runs: the test drives the store alone.
    static func with(settings adjust: (inout NotifierSettings) -> Void = { _ in }, notifying: Bool = true, _ body: @Sendable (NotifierSystem) async throws -> Void) async throws {
        let redisServer = try await RedisServer.start()
        let receiver = try await AlertReceiver.start()
        let database = Database(configuration: try DatabaseConfiguration(url: try await PostgresServer.shared().createDatabase("notify")))
        let redisConfiguration = try RedisConfiguration(url: redisServer.url)
        let redis = RedisClient(configuration: redisConfiguration)
        let key = try AlertKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
        let vapid = VAPIDKey(key: .init(), subject: "mailto:test@example.com")
        var settings = NotifierSettings()
        settings.allowPrivate = true
        settings.consumer = "test-notifier"
        settings.retries = RetrySchedule(delays: [0.2, 0.2, 0.2], jitter: 0)
        adjust(&settings)
        let logger = Logger(label: "test.notify")
        let system = NotifierSystem(redis: redis, layout: RedisLayout(), database: database, store: AlertStore(database: database), key: key, vapid: vapid,
                                    receiver: receiver, logger: logger)
        let subscriber = Notifier.blockSubscriber(configuration: redisConfiguration)
        let notifier = Notifier(redis: redisConfiguration, subscriber: subscriber, layout: system.layout, store: system.store,
                                alertKey: key, vapid: vapid, settings: settings, metrics: NotifierMetrics(), logger: logger)
        let group = ServiceGroup(configuration: .init(services: notifying ? [.init(service: subscriber), .init(service: notifier)] : [], logger: logger))
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { await database.run() }
                await database.ready()
                try await Migrator(database: database).migrate(logger: logger)
                // The group exists before the first publish, so no change is missed.
                try await redis.xgroupCreate(system.layout.changeLogKey, group: RedisLayout.notifierGroup, startingAt: "$")
                try await DividendPublisher(redis: redis, layout: system.layout).register(kinds: [DividendKind(rawValue: "AlphaDividendsPerSubnet")])
                let running = Task { try await group.run() }
                defer { running.cancel() }
                if notifying { try await system.waitUntilFollowingBlocks() }
                try await body(system)
                await group.triggerGracefulShutdown()
                try await running.value
                tasks.cancelAll()
            }
        } catch {
            await receiver.stop()
            await redisServer.shutdown()
            throw error
        }
        await receiver.stop()
        await redisServer.shutdown()
    }

    /// Waits until the notifier listens to the block channel (`stalled` rules count blocks).
    func waitUntilFollowingBlocks(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let reply = try await redis.send(RedisCommand("PUBSUB", "NUMSUB", RedisArgument(layout.blockChannel)))
            if let count = reply.array?.last?.integer, count > 0 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(what: "the notifier to follow blocks")
    }

    /// Publishes one block of changes through the watcher's own publisher.
    func publish(block: UInt64, _ changes: [(hotkey: String, old: UInt64?, new: UInt64?)], netuid: UInt16 = 7) async throws {
        let hash = "0x" + String(repeating: "ab", count: 32)
        let list = changes.enumerated().map { index, change in
            DividendChange(kind: DividendKind(rawValue: "AlphaDividendsPerSubnet"), netuid: netuid, hotkey: change.hotkey, old: change.old, new: change.new,
                           block: block, blockHash: hash, offset: StreamOffset(block: block, sequence: UInt64(index)))
        }
        try await DividendPublisher(redis: redis, layout: layout).publish(block: block, blockHash: hash, changes: list)
    }

    /// A rule stored as the server stores it (its push keys sealed).
    func rule(_ condition: AlertCondition, to destination: AlertDestination, filter: DividendFilter = DividendFilter(netuid: 7), cooldown: UInt32 = 0,
              token: String = "tok_a", id: String = "alr_" + UUID().uuidString.prefix(8).lowercased()) async throws -> AlertRule {
        var sealed: [UInt8]?
        if case .webPush(let subscription) = destination { sealed = try key.seal(pushKeys: subscription.p256dh + subscription.auth, ruleID: id) }
        let spec = AlertSpec(filter: filter, condition: condition, cooldownSeconds: cooldown, destination: destination)
        return try await store.create(spec, id: id, tokenID: try await tokenID(token), sealedPushKeys: sealed, maximumRules: 100, logger: logger)!
    }

    /// Waits until the notifiers' group has read and acknowledged every entry of the change log.
    func waitUntilEvaluated(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let stream = try await redis.send(RedisCommand("XINFO", "STREAM", RedisArgument(layout.changeLogKey)))
            let groups = try await redis.send(RedisCommand("XINFO", "GROUPS", RedisArgument(layout.changeLogKey)))
            let last = Self.field(stream, "last-generated-id")
            if let group = groups.array?.first, Self.field(group, "last-delivered-id") == last, Self.field(group, "pending") == "0" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TimedOut(what: "the notifier's group to acknowledge the change log")
    }

    struct TimedOut: Error { let what: String }

    /// A field of an XINFO reply (a flat list of names and values).
    static func field(_ reply: RESPValue, _ name: String) -> String? {
        guard let items = reply.array else { return nil }
        for index in stride(from: 0, to: items.count - 1, by: 2) where items[index].string == name {
            return items[index + 1].string ?? items[index + 1].integer.map(String.init)
        }
        return nil
    }

    /// Waits until the rule's deliveries satisfy `done` (each outcome is stored: an event, not a timer).
    func deliveries(of rule: String, token: String = "tok_a", until done: @Sendable ([AlertDelivery]) -> Bool, timeout: Duration = .seconds(20)) async throws -> [AlertDelivery] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = try await store.deliveries(alertID: rule, tokenID: try await tokenID(token), logger: logger) ?? []
            if done(found) || ContinuousClock.now > deadline { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension AlertReceiver {
    /// A push subscription the receiver holds the private key of; `gone` makes it answer 410.
    func pushSubscription(_ name: String, gone: Bool = false) async throws -> PushSubscription {
        let answer = try await pushSubscriptionJSON(name, gone: gone)
        let keys = answer["keys"] as? [String: String]
        return PushSubscription(endpoint: answer["endpoint"] as? String ?? "", p256dh: Base64URL.decode(keys?["p256dh"] ?? "") ?? [],
                                auth: Base64URL.decode(keys?["auth"] ?? "") ?? [])
    }
}
