import Foundation
import Logging
import Model
import ServiceLifecycle
import Synchronization
import TaoRedis

/// The server's one Redis subscription: every change the watcher publishes comes in here and is
/// routed to the sessions that want it.
///
/// When the subscription drops, changes published meanwhile are fetched from the change log once
/// it is back, so live clients see no gap; if the log no longer reaches back, every subscription
/// gets a fresh snapshot instead.
final class UpdateFeed: Service, Sendable {
    let subscriber: RedisSubscriber
    let router: UpdateRouter
    let changeLog: ChangeLog
    let registry: ConnectionRegistry
    let layout: RedisLayout
    let metrics: ServerMetrics
    let commandRouter: CommandStatusRouter
    let cache: SnapshotCache
    let snapshots: SnapshotReader
    let logger: Logger
    private let lastRouted = Mutex<StreamOffset?>(nil)
    /// Where the log ended when the subscription first came up: the start of any catch-up if the
    /// subscription drops before a single change was routed. Kept apart from `lastRouted` so a
    /// change already in flight on the subscription is not mistaken for a duplicate.
    private let baseline = Mutex<StreamOffset?>(nil)
    /// Each update is framed and compressed once here, for every recipient.
    private let compressor = Mutex(MessageCompressor())

    init(redis: RedisConfiguration, router: UpdateRouter, changeLog: ChangeLog, registry: ConnectionRegistry, layout: RedisLayout, metrics: ServerMetrics, commandRouter: CommandStatusRouter, cache: SnapshotCache, snapshots: SnapshotReader, logger: Logger) {
        self.commandRouter = commandRouter
        self.cache = cache
        self.snapshots = snapshots
        self.subscriber = RedisSubscriber(configuration: redis, logger: logger)
        self.router = router
        self.changeLog = changeLog
        self.registry = registry
        self.layout = layout
        self.metrics = metrics
        self.logger = logger
    }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.subscriber.run() }
            group.addTask { await self.subscriber.subscribe(patterns: [self.layout.changePattern, self.layout.commandStatusPattern, self.layout.resyncChannel]) }
            for await event in subscriber.events {
                switch event {
                case .message(let message):
                    route(message)
                case .connected(let isReconnect):
                    if isReconnect {
                        metrics.feedReconnects.increment()
                        await catchUp()
                    } else {
                        await recordBaseline()
                        reloadCache()
                    }
                case .disconnected(let reason):
                    logger.warning("lost the Redis subscription; live updates pause until it is back", metadata: ["reason": "\(reason)"])
                }
            }
            group.cancelAll()
        }
    }

    private func route(_ message: RedisPubSubMessage) {
        if message.channel == layout.resyncChannel {
            // The watcher put back state Redis had lost: what clients hold may be off.
            logger.warning("the watcher restored Redis after a data loss; sending every client a fresh snapshot")
            resynchroniseEveryone()
            return
        }
        if message.channel.hasPrefix(layout.prefix + ":status:") {
            if let status = try? JSONDecoder().decode(CommandStatus.self, from: Data(message.payload)) { commandRouter.deliver(status) }
            return
        }
        let received = ContinuousClock.now
        guard let channelKey = layout.parseChangeChannel(message.channel),
              let change = try? JSONDecoder().decode(DividendChange.self, from: Data(message.payload)),
              change.key == channelKey
        else {
            logger.warning("ignored a malformed change message", metadata: ["channel": "\(message.channel)"])
            return
        }
        let fresh = lastRouted.withLock { last -> Bool in
            if let last, change.offset <= last { return false }
            last = change.offset
            return true
        }
        guard fresh else { return }
        metrics.updatesRouted.increment()
        // Before routing: see SnapshotCache for why this order keeps snapshots gap-free.
        cache.apply(change)
        let frame = compressor.withLock { UpdateFrame(payload: FrameEncoder.update(payload: message.payload), compressor: $0) }
        router.route(change, frame: frame, received: received)
    }

    /// This server may have missed changes it cannot replay: the snapshot cache is read again and
    /// every subscription gets a fresh snapshot. The one way out of every such case, so the cache
    /// and the clients never disagree about what was missed.
    private func resynchroniseEveryone() {
        reloadCache()
        for session in registry.sessions { Task { await session.resynchronise() } }
    }

    /// Reads every entry from Redis into the snapshot cache; subscribes read Redis meanwhile,
    /// and for good if the read fails (the next reconnect tries again).
    private func reloadCache() {
        let generation = cache.beginLoad()
        Task {
            do {
                cache.finishLoad(try await snapshots.read(DividendFilter()), generation: generation)
            } catch {
                logger.warning("could not load the snapshot cache; snapshots are read from Redis", metadata: ["error": "\(error)"])
            }
        }
    }

    private func recordBaseline() async {
        do {
            let end = try await changeLog.end()
            baseline.withLock { $0 = end }
        } catch {
            logger.warning("could not read where the change log ends; a later outage will resend snapshots", metadata: ["error": "\(error)"])
        }
    }

    /// After a reconnect: route what was published while the subscription was down.
    private func catchUp() async {
        guard let last = lastRouted.withLock({ $0 }) ?? baseline.withLock({ $0 }) else {
            logger.warning("no known position in the change log; sending every client a fresh snapshot")
            resynchroniseEveryone()
            return
        }
        do {
            switch try await changeLog.changes(after: last) {
            case .complete(let changes, _, _):
                logger.info("replayed changes missed while Redis was away", metadata: ["count": "\(changes.count)"])
                for change in changes {
                    let payload = (try? ChangeJSON.encode(change)) ?? []
                    route(RedisPubSubMessage(channel: layout.changeChannel(change.key), payload: payload))
                }
            case .tooOld(_):
                logger.warning("the change log no longer covers the outage; sending every client a fresh snapshot")
                resynchroniseEveryone()
            }
        } catch {
            logger.error("could not replay missed changes; sending fresh snapshots", metadata: ["error": "\(error)"])
            resynchroniseEveryone()
        }
    }
}
