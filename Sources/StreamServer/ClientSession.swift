import Foundation
import Logging
import Model
import NIOCore
import Synchronization
import TaoRedis
import TaoStore

/// One client connection's state: its token, its subscriptions and the frames queued for it.
///
/// A new subscription first collects the live updates that match it, then reads its snapshot (or
/// replays the change log since the client's offset), and only then goes live, delivering the
/// collected updates newer than what the snapshot or replay covered. That hand-over is what
/// keeps "snapshot, then updates" free of gaps and duplicates.
final class ClientSession: Sendable {
    let id: UInt64
    let queue: OutboundQueue
    private let services: SessionServices
    private let state: Mutex<State>

    struct Subscription: Sendable {
        var filter: DividendFilter
        var live: Bool
        /// Updates at or below this offset are already covered by the snapshot or replay.
        var floor: StreamOffset?
    }

    private struct Buffered {
        var change: DividendChange
        var frame: ByteBuffer
        var received: ContinuousClock.Instant
        var pending: Set<String>
        var delivered: Bool
    }

    private struct State {
        var token: APIToken?
        var subscriptions: [String: Subscription] = [:]
        var buffer: [Buffered] = []
        var counter = 0
        var lastActivity = ContinuousClock.now
        var limiter: RateLimiter
        var errors: ErrorBudget
        var onOverflow: (@Sendable () -> Void)?
    }

    init(id: UInt64, services: SessionServices) {
        self.id = id
        self.services = services
        self.queue = OutboundQueue(limit: services.limits.queueLimit, policy: services.limits.slowClientPolicy)
        self.state = Mutex(State(
            limiter: RateLimiter(perSecond: services.limits.messagesPerSecond, burst: services.limits.messagesPerSecond * 2),
            errors: ErrorBudget(perMinute: services.limits.errorsPerMinute)
        ))
    }

    var token: APIToken? { state.withLock { $0.token } }
    var subscriptionCount: Int { state.withLock { $0.subscriptions.count } }
    var lastActivity: ContinuousClock.Instant { state.withLock { $0.lastActivity } }

    func setOverflowHandler(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.onOverflow = handler }
    }

    func authenticated(as token: APIToken) {
        state.withLock { $0.token = token }
    }

    func send(_ message: ServerMessage) {
        queue.push(frame: FrameEncoder.encode(message))
        services.metrics.messagesOut.increment()
    }

    /// Answers a bad message; false when the connection has had too many and must close.
    func reject(_ error: ProtocolError) -> Bool {
        services.metrics.protocolErrors.increment()
        send(.error(error))
        return state.withLock { $0.errors.record() }
    }

    /// Applies the rate limit to one incoming message.
    func admit() -> Bool {
        state.withLock { state in
            state.lastActivity = .now
            return state.limiter.allow()
        }
    }

    // MARK: Messages

    func handle(_ request: ClientRequest) async {
        switch request.message {
        case .auth:
            _ = reject(ProtocolError(.invalidField, "this connection is already authenticated", id: request.id))
        case .ping:
            send(.pong(id: request.id))
        case .query(let filter):
            guard await kindsAreTracked(filter, id: request.id) else { return }
            do {
                let snapshot = try await services.snapshots.read(filter)
                send(.snapshot(id: request.id, entries: snapshot.entries, offset: snapshot.offset))
            } catch {
                _ = reject(ProtocolError(.unavailable, "dividends cannot be read right now (\(error.description)); retry shortly", id: request.id))
            }
        case .subscribe(let filter, let since):
            guard await kindsAreTracked(filter, id: request.id) else { return }
            await subscribe(id: request.id, filter: filter, since: since)
        case .unsubscribe(let name):
            guard let subscription = state.withLock({ $0.subscriptions.removeValue(forKey: name) }) else {
                _ = reject(ProtocolError(.unknownSubscription, "no subscription '\(name)' on this connection", id: request.id))
                return
            }
            services.router.remove(.init(session: self, subscription: name, filter: subscription.filter))
            services.metrics.subscriptions.decrement()
            send(.unsubscribed(id: request.id, subscription: name))
        case .command(let command):
            guard let gateway = services.commands, let token else {
                _ = reject(ProtocolError(.unavailable, "this server does not take commands", id: request.id))
                return
            }
            await gateway.submit(command, token: token, session: self, id: request.id)
        case .trade(let netuid, let hotkey, let key):
            guard let gateway = services.commands, let token else {
                _ = reject(ProtocolError(.unavailable, "this server does not take commands", id: request.id))
                return
            }
            await gateway.trade(netuid: netuid, hotkey: hotkey, idempotencyKey: key, token: token, session: self, id: request.id)
        case .commandStatus(let commandID):
            guard let gateway = services.commands, let token else {
                _ = reject(ProtocolError(.unavailable, "this server does not take commands", id: request.id))
                return
            }
            await gateway.status(commandID, token: token, session: self, id: request.id)
        }
    }

    /// A misspelt map name would otherwise subscribe to nothing, silently.
    private func kindsAreTracked(_ filter: DividendFilter, id: MessageID?) async -> Bool {
        guard let wanted = filter.kinds, let tracked = try? await services.snapshots.trackedKinds(), !tracked.isEmpty else { return true }
        let unknown = wanted.subtracting(tracked).map(\.rawValue).sorted()
        guard !unknown.isEmpty else { return true }
        let names = tracked.map(\.rawValue).sorted().joined(separator: ", ")
        _ = reject(ProtocolError(.invalidKind, "\(unknown.joined(separator: ", ")) \(unknown.count == 1 ? "is" : "are") not tracked here; tracked maps: \(names)", id: id))
        return false
    }

    private func subscribe(id: MessageID?, filter: DividendFilter, since: StreamOffset?) async {
        let name = state.withLock { state -> String? in
            guard state.subscriptions.count < services.limits.subscriptionsPerConnection else { return nil }
            state.counter += 1
            let name = "s\(state.counter)"
            state.subscriptions[name] = Subscription(filter: filter, live: false, floor: nil)
            return name
        }
        guard let name else {
            _ = reject(ProtocolError(.tooManySubscriptions, "a connection may hold \(services.limits.subscriptionsPerConnection) subscriptions; unsubscribe from one first", id: id))
            return
        }
        let route = UpdateRouter.Route(session: self, subscription: name, filter: filter)
        services.router.add(route)
        services.metrics.subscriptions.increment()
        do {
            try await start(name, id: id, filter: filter, since: since)
        } catch {
            state.withLock { _ = $0.subscriptions.removeValue(forKey: name) }
            services.router.remove(route)
            services.metrics.subscriptions.decrement()
            _ = reject(ProtocolError(.unavailable, "the subscription could not start (\(error.description)); retry shortly", id: id))
        }
    }

    /// Sends the snapshot or replay for a subscription that is collecting updates, then makes it live.
    private func start(_ name: String, id: MessageID?, filter: DividendFilter, since: StreamOffset?) async throws(RedisError) {
        if let since, case .complete(let changes, let end) = try await services.changeLog.changes(after: since) {
            send(.subscribed(.init(id: id, subscription: name, filter: filter, snapshot: [], recovered: true, offset: end)))
            for change in changes where filter.matches(change.key) {
                let payload = (try? ChangeJSON.encode(change)) ?? []
                enqueueUpdate(change, frame: FrameEncoder.update(payload: payload), received: .now)
            }
            activate(name, floor: end)
            return
        }
        let snapshot = try await services.snapshots.read(filter)
        send(.subscribed(.init(id: id, subscription: name, filter: filter, snapshot: snapshot.entries, recovered: since == nil ? nil : false, offset: snapshot.offset)))
        activate(name, floor: snapshot.offset)
    }

    /// Sends a fresh snapshot for every subscription: the server itself lost updates it cannot replay.
    func resynchronise() async {
        let names = state.withLock { state -> [(String, DividendFilter)] in
            for key in state.subscriptions.keys { state.subscriptions[key]?.live = false }
            return state.subscriptions.map { ($0.key, $0.value.filter) }
        }
        for (name, filter) in names {
            do {
                let snapshot = try await services.snapshots.read(filter)
                send(.subscribed(.init(id: nil, subscription: name, filter: filter, snapshot: snapshot.entries, recovered: false, offset: snapshot.offset)))
                activate(name, floor: snapshot.offset)
            } catch {
                _ = reject(ProtocolError(.unavailable, "updates were lost and the snapshot cannot be read (\(error.description)); reconnect with `since` to recover"))
            }
        }
    }

    private func activate(_ name: String, floor: StreamOffset?) {
        let flush = state.withLock { state -> [Buffered] in
            guard state.subscriptions[name] != nil else { return [] }
            state.subscriptions[name]?.live = true
            state.subscriptions[name]?.floor = floor
            var ready: [Buffered] = []
            for index in state.buffer.indices where state.buffer[index].pending.contains(name) {
                state.buffer[index].pending.remove(name)
                if !state.buffer[index].delivered, floor.map({ state.buffer[index].change.offset > $0 }) ?? true {
                    state.buffer[index].delivered = true
                    ready.append(state.buffer[index])
                }
            }
            state.buffer.removeAll { $0.pending.isEmpty }
            return ready
        }
        for item in flush { enqueueUpdate(item.change, frame: item.frame, received: item.received) }
    }

    // MARK: Updates from the router

    func deliver(_ change: DividendChange, frame: ByteBuffer, received: ContinuousClock.Instant, matched: [String]) {
        let live = state.withLock { state -> Bool in
            var live = false
            var pending = Set<String>()
            for name in matched {
                guard let subscription = state.subscriptions[name] else { continue }
                if subscription.live {
                    if subscription.floor.map({ change.offset > $0 }) ?? true { live = true }
                } else {
                    pending.insert(name)
                }
            }
            if !pending.isEmpty {
                state.buffer.append(Buffered(change: change, frame: frame, received: received, pending: pending, delivered: live))
            }
            return live
        }
        if live { enqueueUpdate(change, frame: frame, received: received) }
    }

    private func enqueueUpdate(_ change: DividendChange, frame: ByteBuffer, received: ContinuousClock.Instant) {
        switch queue.push(update: frame, key: change.key, received: received) {
        case .queued:
            break
        case .conflated:
            services.metrics.queueDrops.increment()
        case .overflow:
            services.metrics.slowClosed.increment()
            // Once: every later update overflows too, and the connection is already going.
            state.withLock { state in
                defer { state.onOverflow = nil }
                return state.onOverflow
            }?()
        case .closed:
            break
        }
    }

    /// Forgets every subscription (the connection is gone).
    func tearDown() {
        services.commandRouter.forget(self)
        let subscriptions = state.withLock { state -> [String: Subscription] in
            defer { state.subscriptions = [:]; state.buffer = [] }
            return state.subscriptions
        }
        for (name, subscription) in subscriptions {
            services.router.remove(.init(session: self, subscription: name, filter: subscription.filter))
            services.metrics.subscriptions.decrement()
        }
        queue.close()
    }
}

/// What every session shares.
struct SessionServices: Sendable {
    let limits: ConnectionLimits
    let router: UpdateRouter
    let snapshots: SnapshotReader
    let changeLog: ChangeLog
    let metrics: ServerMetrics
    let logger: Logger
    /// Nil when this server takes no commands (no command store configured).
    var commands: CommandGateway? = nil
    var commandRouter = CommandStatusRouter()
}

/// A change as JSON, as the watcher publishes it (for replays read back from the log).
enum ChangeJSON {
    static func encode(_ change: DividendChange) throws -> [UInt8] {
        Array(try JSONEncoder().encode(change))
    }
}
