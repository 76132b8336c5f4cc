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
///
/// Catching up is paced. A replay, and then the updates collected while it or a snapshot was being
/// sent, are queued a page at a time, each page only once the writer has made room for it: a
/// catch-up longer than the queue limit reaches a client that reads without tripping the
/// slow-client policy. (Queued in one go, a replay over the limit closed a client with 4003 under
/// `close` each time it reconnected, so it could never recover, and was conflated under `conflate`.)
/// The subscription goes live under the lock that queues the last collected update, so no live
/// update can overtake them.
///
/// What `recovered: true` promises: no gap. What follows is every change after `since` that the
/// filter matches, in offset order, then the live updates; never a key's older value after a newer
/// one. A client that keeps reading gets every one of those changes. A client that does not — no
/// room for the next page within ``catchUpTimeout``, or more updates collected during the catch-up
/// than the replay itself holds, so it reads slower than they arrive — is a slow client like any
/// other: under `close` it is closed with 4003 (and recovers again with `since`); under `conflate`
/// the rest is queued at once and conflated, so for a key that changed several times it may get
/// only the newest change, still in offset order and ending at every key's latest value. When the
/// change log cannot give the replay whole (trimmed past `since`, or longer than ``ChangeLog``
/// reads at once), the answer is `recovered: false` with a fresh snapshot.
final class ClientSession: Sendable {
    /// How long a catch-up waits for the writer to make room for its next page before the client
    /// counts as slow.
    static let catchUpTimeout: Duration = .seconds(10)

    let id: UInt64
    let queue: OutboundQueue
    let transport: SessionTransport
    let services: SessionServices
    private let state: Mutex<State>
    private let closer: Closer

    struct Subscription: Sendable {
        var filter: DividendFilter
        var live: Bool
        /// Updates at or below this offset are already covered by the snapshot or replay.
        var floor: StreamOffset?
        /// Which catch-up is current: a resynchronisation starts a new one, and an older one still
        /// running (a long replay) stops instead of sending values older than the fresh snapshot.
        var generation = 0
    }

    private struct Buffered {
        var change: DividendChange
        var frame: UpdateFrame
        var received: ContinuousClock.Instant
        var pending: Set<String>
        var delivered: Bool
    }

    private struct State {
        var token: APIToken?
        var subscriptions: [String: Subscription] = [:]
        var buffer: [Buffered] = []
        var counter = 0
        var limiter: RateLimiter
        /// Messages over the rate a client may send before it counts as flooding: ten seconds'
        /// worth, refilled at the rate, so sending too fast is tolerated and flooding is not.
        var floods: RateLimiter
        var lastRateNotice: ContinuousClock.Instant?
        var errors: ErrorBudget
        var slow = false
        /// Messages received and not yet handled, in order; `handling` while a task works them off.
        var inbox: [InboundMessage] = []
        var handling = false
    }

    /// How a paced catch-up may go on.
    private enum Pace { case ready, gone, slow }

    init(id: UInt64, services: SessionServices, transport: SessionTransport) {
        self.id = id
        self.services = services
        self.transport = transport
        self.queue = OutboundQueue(limit: services.limits.queueLimit, byteLimit: services.limits.queueBytes, policy: services.limits.slowClientPolicy)
        self.closer = Closer()
        self.state = Mutex(State(
            limiter: RateLimiter(perSecond: services.limits.messagesPerSecond, burst: services.limits.messagesPerSecond * 2),
            floods: RateLimiter(perSecond: services.limits.messagesPerSecond, burst: services.limits.messagesPerSecond * 10),
            errors: ErrorBudget(perMinute: services.limits.errorsPerMinute)
        ))
    }

    var token: APIToken? { state.withLock { $0.token } }
    var subscriptionCount: Int { state.withLock { $0.subscriptions.count } }
    var isClosing: Bool { closer.isClosing }
    var claimedTokenID: String? { closer.claimedTokenID }

    func authenticated(as token: APIToken) {
        state.withLock { $0.token = token }
        transport.authenticated()
    }

    func send(_ message: ServerMessage) {
        send(encoded: FrameEncoder.encode(message))
    }

    /// Sends a message encoded already (the same bytes may go to many sessions).
    func send(encoded frame: ByteBuffer) {
        if queue.push(frame: frame) == .overflow {
            slowClient()
        }
        transport.wake(queue)
    }

    /// Queues a close frame after what is queued; later calls do nothing.
    func close(_ code: CloseCode, _ reason: String) {
        close(rawCode: code.rawValue, reason)
    }

    func close(rawCode: UInt16, _ reason: String) {
        guard closer.claimClose() else { return }
        queue.pushClose(code: rawCode, reason: reason)
        transport.closeQueued()
        transport.wake(queue)
    }

    /// Takes the token's connection slot for this session (given back when it ends).
    func claimSlot(tokenID: String) {
        closer.claimedTokenID = tokenID
    }

    /// Answers a bad message; false when the connection has had too many and must close.
    func reject(_ error: ProtocolError) -> Bool {
        services.metrics.protocolErrors.increment()
        send(.error(error))
        return state.withLock { $0.errors.record() }
    }

    /// Applies the rate limit to one incoming message.
    func admit() -> Bool {
        state.withLock { $0.limiter.allow() }
    }

    /// What to do with a message over the rate: tell the client (once a second), drop it
    /// silently, or close a connection that floods.
    enum OverRate: Equatable { case tell, drop, close }

    func overRate(now: ContinuousClock.Instant = .now) -> OverRate {
        state.withLock { state in
            guard state.floods.allow(now: now) else { return .close }
            if let last = state.lastRateNotice, now - last < .seconds(1) { return .drop }
            state.lastRateNotice = now
            return .tell
        }
    }

    // MARK: Inbound

    /// Takes a message from the socket. Messages are handled one at a time, in order, by one task
    /// that lives only while there are messages to handle (none for an idle connection).
    func receive(_ message: InboundMessage) {
        let start = state.withLock { state -> Bool in
            state.inbox.append(message)
            guard !state.handling else { return false }
            state.handling = true
            return true
        }
        guard start else { return }
        Task {
            while let next = self.nextInbound() {
                await services.intake.handle(next, session: self)
            }
        }
    }

    private func nextInbound() -> InboundMessage? {
        state.withLock { state in
            guard !state.inbox.isEmpty else {
                state.handling = false
                return nil
            }
            return state.inbox.removeFirst()
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
            guard mayRead(request.id), await kindsAreTracked(filter, id: request.id) else { return }
            do {
                let snapshot = try await currentSnapshot(filter)
                send(.snapshot(id: request.id, entries: snapshot.entries, offset: snapshot.offset))
            } catch {
                _ = reject(ProtocolError(.unavailable, "dividends cannot be read right now (\(error.description)); retry shortly", id: request.id))
            }
        case .history(let query):
            guard mayRead(request.id) else { return }
            do {
                let page = try await services.history.page(query, logger: services.logger)
                send(.history(id: request.id, netuid: query.netuid, hotkey: query.hotkey, changes: page.changes, nextCursor: page.nextCursor))
            } catch {
                _ = reject(ProtocolError(.unavailable, "the history cannot be read right now; retry shortly", id: request.id))
            }
        case .subscribe(let filters, let since):
            // The filters of one message share their kinds.
            guard mayRead(request.id), let first = filters.first, await kindsAreTracked(first, id: request.id) else { return }
            await subscribe(id: request.id, filters: filters, since: since)
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
        case .alertCreate, .alertList, .alertDelete, .alertDeliveries:
            await handleAlert(request)
        }
    }

    private func handleAlert(_ request: ClientRequest) async {
        guard let desk = services.alerts, let token else {
            _ = reject(ProtocolError(.unavailable, "this server takes no alerts", id: request.id))
            return
        }
        let result: Result<ServerMessage, ProtocolError>
        switch request.message {
        case .alertCreate(let spec): result = await desk.create(spec, token: token, id: request.id)
        case .alertList: result = await desk.list(token: token, id: request.id)
        case .alertDelete(let alertID): result = await desk.delete(alertID, token: token, id: request.id)
        case .alertDeliveries(let alertID): result = await desk.deliveries(alertID, token: token, id: request.id)
        default: return
        }
        switch result {
        case .success(let message): send(message)
        case .failure(let error): _ = reject(error)
        }
    }

    /// The `read` scope governs every read, as it does over REST: a `trade`-only token may send
    /// commands and follow their status, not read dividends.
    private func mayRead(_ id: MessageID?) -> Bool {
        guard let token, !token.allows(.read) else { return true }
        _ = reject(ProtocolError(.forbidden, "this token has no 'read' scope; ask the operator for one to read dividends", id: id))
        return false
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

    /// Subscribes to every filter of one message, or to none: the names are taken together, so a
    /// message that would pass the connection's limit adds nothing.
    private func subscribe(id: MessageID?, filters: [DividendFilter], since: StreamOffset?) async {
        let names = state.withLock { state -> [String]? in
            guard state.subscriptions.count + filters.count <= services.limits.subscriptionsPerConnection else { return nil }
            return filters.map { filter in
                state.counter += 1
                let name = "s\(state.counter)"
                state.subscriptions[name] = Subscription(filter: filter, live: false, floor: nil)
                return name
            }
        }
        guard let names else {
            let more = filters.count == 1 ? "unsubscribe from one first" : "this message asks for \(filters.count) more; unsubscribe from some first"
            _ = reject(ProtocolError(.tooManySubscriptions, "a connection may hold \(services.limits.subscriptionsPerConnection) subscriptions; \(more)", id: id))
            return
        }
        if since != nil, let tokenID = token?.id, let wait = services.replays.wait(token: tokenID) {
            state.withLock { state in for name in names { state.subscriptions.removeValue(forKey: name) } }
            let seconds = Int(wait.components.seconds) + 1
            _ = reject(ProtocolError(.rateLimited, "this token's replays read \(services.limits.replayEntriesPerSecond) log entries a second at most; retry 'since' in \(seconds) s, or subscribe without it for a snapshot", id: id))
            return
        }
        for (name, filter) in zip(names, filters) {
            await subscribe(name, id: id, filter: filter, since: since)
        }
    }

    /// Routes one reserved subscription, then sends its snapshot or replay.
    private func subscribe(_ name: String, id: MessageID?, filter: DividendFilter, since: StreamOffset?) async {
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
        if let since {
            let replayed = try await services.changeLog.changes(after: since, matching: filter)
            // Paid for what was read, replayed or not: a replay cut by its bound reads the log too.
            if let tokenID = token?.id { services.replays.charge(token: tokenID, entries: replayed.scanned) }
            if case .complete(let replay, let end, _) = replayed {
                let generation = nextGeneration(name)
                send(.subscribed(.init(id: id, subscription: name, filter: filter, snapshot: [], recovered: true, offset: end)))
                await catchUp(name, generation: generation, replaying: replay, floor: end)
                return
            }
        }
        let generation = nextGeneration(name)
        let snapshot = try await currentSnapshot(filter)
        send(.subscribed(.init(id: id, subscription: name, filter: filter, snapshot: snapshot.entries, recovered: since == nil ? nil : false, offset: snapshot.offset)))
        await catchUp(name, generation: generation, replaying: [], floor: snapshot.offset)
    }

    /// The entries `filter` matches: from this server's cache, or from Redis while it loads.
    private func currentSnapshot(_ filter: DividendFilter) async throws(RedisError) -> SnapshotReader.Snapshot {
        if let cached = services.cache.read(filter) { return cached }
        return try await services.snapshots.read(filter)
    }

    /// Sends a fresh snapshot for every subscription: the server itself lost updates it cannot replay.
    func resynchronise() async {
        let names = state.withLock { state -> [(String, DividendFilter, Int)] in
            for key in state.subscriptions.keys {
                state.subscriptions[key]?.live = false
                state.subscriptions[key]?.generation += 1
            }
            return state.subscriptions.map { ($0.key, $0.value.filter, $0.value.generation) }
        }
        for (name, filter, generation) in names {
            do {
                let snapshot = try await services.snapshots.read(filter)
                guard isCurrent(name, generation) else { continue }
                send(.subscribed(.init(id: nil, subscription: name, filter: filter, snapshot: snapshot.entries, recovered: false, offset: snapshot.offset)))
                await catchUp(name, generation: generation, replaying: [], floor: snapshot.offset)
            } catch {
                _ = reject(ProtocolError(.unavailable, "updates were lost and the snapshot cannot be read (\(error.description)); reconnect with `since` to recover"))
            }
        }
    }

    // MARK: Catching up

    /// Queues `replay`, then the updates collected for `name` that `floor` does not cover, a page
    /// at a time, and makes the subscription live with the last page.
    /// Starts a new catch-up generation for `name`; older ones stop at their next page.
    private func nextGeneration(_ name: String) -> Int {
        state.withLock { state in
            state.subscriptions[name]?.generation += 1
            return state.subscriptions[name]?.generation ?? 0
        }
    }

    /// Whether `name` still exists and `generation` is its current catch-up.
    private func isCurrent(_ name: String, _ generation: Int) -> Bool {
        state.withLock { $0.subscriptions[name]?.generation == generation }
    }

    private func catchUp(_ name: String, generation: Int, replaying replay: [DividendChange], floor: StreamOffset?) async {
        let page = max(1, queue.limit / 4)
        // Collecting more live updates than the replay holds means the client reads slower than they arrive.
        let lagLimit = max(queue.limit, replay.count)
        var paced = true
        var next = 0
        while true {
            if paced {
                switch await pace(name, page: page, floor: floor, lagLimit: lagLimit) {
                case .ready:
                    break
                case .gone:
                    return
                case .slow:
                    guard queue.policy == .conflate else {
                        slowClient()
                        return
                    }
                    // Conflation takes over: the rest goes in at once, still in offset order.
                    paced = false
                }
            }
            // Unsubscribed, or superseded by a fresh snapshot: nothing more of this catch-up.
            guard isCurrent(name, generation) else { return }
            if next < replay.count {
                let end = paced ? min(next + page, replay.count) : replay.count
                for change in replay[next..<end] {
                    enqueueUpdate(change, frame: Self.frame(for: change), received: .now)
                }
                transport.wake(queue)
                next = end
            } else if flushCollected(name, floor: floor, upTo: paced ? page : Int.max) {
                return
            }
        }
    }

    /// Waits until the queue has room for two pages, so a page queued then leaves a page of room
    /// for the connection's other, live subscriptions.
    private func pace(_ name: String, page: Int, floor: StreamOffset?, lagLimit: Int) async -> Pace {
        switch await queue.waitForRoom(2 * page, timeout: Self.catchUpTimeout) {
        case .closed:
            return .gone
        case .timedOut:
            return .slow
        case .available:
            return collectedCount(name, floor: floor) > lagLimit ? .slow : .ready
        }
    }

    /// Queues up to `count` of the updates collected for `name` that `floor` does not cover, in
    /// the order they came (offset order). When none are left the subscription goes live, under the
    /// same lock, so a live update cannot overtake them. True once live (or gone).
    private func flushCollected(_ name: String, floor: StreamOffset?, upTo count: Int) -> Bool {
        let (done, results) = state.withLock { state -> (Bool, [OutboundQueue.PushResult]) in
            guard state.subscriptions[name] != nil else { return (true, []) }
            var results: [OutboundQueue.PushResult] = []
            var more = false
            for index in state.buffer.indices where state.buffer[index].pending.contains(name) {
                let item = state.buffer[index]
                let fresh = !item.delivered && (floor.map { item.change.offset > $0 } ?? true)
                if fresh && results.count >= count {
                    more = true
                    break
                }
                state.buffer[index].pending.remove(name)
                if fresh {
                    state.buffer[index].delivered = true
                    results.append(queueUpdate(item.change, frame: item.frame, received: item.received))
                }
            }
            state.buffer.removeAll { $0.pending.isEmpty }
            if !more {
                state.subscriptions[name]?.live = true
                state.subscriptions[name]?.floor = floor
            }
            return (!more, results)
        }
        for result in results { account(result) }
        transport.wake(queue)
        return done
    }

    /// The collected updates `name` still has to send.
    private func collectedCount(_ name: String, floor: StreamOffset?) -> Int {
        state.withLock { state -> Int in
            var count = 0
            for item in state.buffer where item.pending.contains(name) && !item.delivered {
                if floor.map({ item.change.offset > $0 }) ?? true { count += 1 }
            }
            return count
        }
    }

    private static func frame(for change: DividendChange) -> UpdateFrame {
        UpdateFrame(payload: FrameEncoder.update(payload: (try? ChangeJSON.encode(change)) ?? []), compressor: nil)
    }

    // MARK: Updates from the router

    /// Called on the connection's event loop by the router, which flushes and wakes the writer
    /// once per batch. An update for a live subscription goes straight to the socket when nothing
    /// is queued before it and the socket takes it (the common case: no lock but this one, no queue
    /// entry); otherwise it is queued. True when it was written directly.
    @discardableResult
    func deliver(_ change: DividendChange, frame: UpdateFrame, received: ContinuousClock.Instant, matched: [String]) -> Bool {
        // Queued under the lock: a subscription going live (or being resynchronised) then sees this
        // update either before its hand-over or after it, never in the middle.
        enum Outcome { case buffered, written, queued(OutboundQueue.PushResult) }
        let outcome = state.withLock { state -> Outcome in
            var live = false
            var pending: Set<String>?
            for name in matched {
                guard let subscription = state.subscriptions[name] else { continue }
                if subscription.live {
                    if subscription.floor.map({ change.offset > $0 }) ?? true { live = true }
                } else {
                    pending = (pending ?? []).union([name])
                }
            }
            if let pending {
                state.buffer.append(Buffered(change: change, frame: frame, received: received, pending: pending, delivered: live))
            }
            guard live else { return .buffered }
            if transport.writeDirectly(frame, queue: queue) { return .written }
            return .queued(queueUpdate(change, frame: frame, received: received))
        }
        switch outcome {
        case .buffered: return false
        case .written: return true
        case .queued(let result):
            account(result)
            return false
        }
    }

    private func queueUpdate(_ change: DividendChange, frame: UpdateFrame, received: ContinuousClock.Instant) -> OutboundQueue.PushResult {
        queue.push(update: frame, key: change.key, offset: change.offset, received: received)
    }

    private func enqueueUpdate(_ change: DividendChange, frame: UpdateFrame, received: ContinuousClock.Instant) {
        account(queueUpdate(change, frame: frame, received: received))
    }

    private func account(_ result: OutboundQueue.PushResult) {
        switch result {
        case .queued, .closed:
            break
        case .conflated:
            services.metrics.queueDrops.increment()
        case .overflow:
            slowClient()
        }
    }

    /// The `close` policy: closes the connection as slow, once (every later update overflows too,
    /// and the connection is already going). What is queued is dropped, so the close frame goes
    /// out as soon as the socket takes anything: the client's last offset read stays a safe
    /// `since`, as everything after it is replayed. The queue then closes, so nothing more is
    /// queued and a catch-up waiting for room stops; a client that reads nothing at all is cut
    /// when the close handshake's deadline passes.
    private func slowClient() {
        let first = state.withLock { state -> Bool in
            defer { state.slow = true }
            return !state.slow
        }
        guard first else { return }
        services.metrics.slowClosed.increment()
        services.logger.notice("closed a slow client", metadata: ["connection": "\(id)"])
        queue.discardQueued()
        close(.slowConsumer, "client reads too slowly")
        queue.close()
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
        queue.discard()
    }
}

/// What every session shares.
struct SessionServices: Sendable {
    let limits: ConnectionLimits
    let router: UpdateRouter
    let snapshots: SnapshotReader
    let cache: SnapshotCache
    let changeLog: ChangeLog
    let metrics: ServerMetrics
    let logger: Logger
    let intake: MessageIntake
    /// What each token's replays may still read of the change log.
    let replays: ReplayBudgets
    /// The recorded history, for `history`.
    let history: DividendHistoryStore
    /// Nil when this server takes no commands (no command store configured).
    var commands: CommandGateway? = nil
    /// Nil when this server takes no alerts (no alert key configured).
    var alerts: AlertDesk? = nil
    var commandRouter = CommandStatusRouter()
}

/// A change as JSON, as the watcher publishes it (for replays read back from the log).
enum ChangeJSON {
    static func encode(_ change: DividendChange) throws -> [UInt8] {
        Array(try JSONEncoder().encode(change))
    }
}
