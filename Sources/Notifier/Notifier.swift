import Logging
import Model
import ServiceLifecycle
import TaoRedis
import TaoStore

/// `taostream notify` (also inside `taostream run`): evaluates alert rules on the change log and
/// delivers what fires. Any number of notifiers may run against one Redis and PostgreSQL; they
/// share the evaluation through the consumer group and the deliveries through leases.
public struct Notifier: Service {
    let consumer: AlertConsumer
    let worker: DeliveryWorker
    let blocks: RedisSubscriber
    let layout: RedisLayout
    let logger: Logger

    let reader: RedisClient

    /// The subscriber a notifier follows blocks with: it keeps only the newest event, so a slow
    /// stall check skips blocks instead of queueing them.
    public static func blockSubscriber(configuration: RedisConfiguration) -> RedisSubscriber {
        RedisSubscriber(configuration: configuration, bufferingPolicy: .bufferingNewest(1), logger: Logger(label: "taostream.notify.blocks"))
    }

    /// Opens two Redis connections of its own: one for the change log's blocking reads, one for
    /// everything else (a command behind a blocking read would wait seconds).
    public init(redis configuration: RedisConfiguration, subscriber: RedisSubscriber, layout: RedisLayout, store: AlertStore, alertKey: AlertKey, vapid: VAPIDKey?,
                settings: NotifierSettings, metrics: NotifierMetrics, logger: Logger) {
        let doorbell = Doorbell()
        reader = RedisClient(configuration: configuration, logger: Logger(label: "taostream.notify.redis"))
        let redis = RedisClient(configuration: configuration, logger: Logger(label: "taostream.notify.redis"))
        consumer = AlertConsumer(reader: reader, redis: redis, layout: layout, store: store, settings: settings, metrics: metrics, doorbell: doorbell, logger: logger)
        let client = OutboundHTTPClient(policy: AddressPolicy(allowPrivate: settings.allowPrivate), timeout: settings.timeout.timeAmount)
        worker = DeliveryWorker(store: store, sender: AlertSender(client: client, alertKey: alertKey, vapid: vapid), settings: settings,
                                metrics: metrics, doorbell: doorbell, logger: logger)
        blocks = subscriber
        self.layout = layout
        self.logger = logger
    }

    public func run() async throws {
        await store.database.schemaReady.wait()
        try? await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.consumeChanges() }
                group.addTask { await self.worker.run() }
                group.addTask { await self.followBlocks() }
            }
        }
        await consumer.redis.close()
        await reader.close()
    }

    private var store: AlertStore { consumer.store }

    private func consumeChanges() async {
        // A blocking read does not end on cancellation; closing its connection ends it.
        await withTaskCancellationHandler {
            await consumeUntilCancelled()
        } onCancel: { [reader] in
            Task { await reader.close() }
        }
    }

    private func consumeUntilCancelled() async {
        while !Task.isCancelled {
            do {
                try await consumer.consume()
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("alert evaluation paused; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Each published block is a chance for a `stalled` rule to fire. Blocks that arrive while
    /// one is checked are folded into the next check (the subscriber keeps only the newest
    /// event: see ``blockSubscriber(configuration:)``).
    private func followBlocks() async {
        await blocks.subscribe(channels: [layout.blockChannel])
        for await event in blocks.events {
            guard case .message(let message) = event, let block = UInt64(String(decoding: message.payload, as: UTF8.self)) else { continue }
            do {
                try await consumer.checkStalls(at: block)
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("stalled alerts could not be checked at this block", metadata: ["block": "\(block)", "error": "\(error)"])
            }
        }
    }
}
