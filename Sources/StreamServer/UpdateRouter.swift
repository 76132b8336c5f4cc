import Model
import NIOCore
import Synchronization

/// Finds the connections an update is for and hands it to each connection's event loop, in one
/// task per loop for the whole batch of recipients.
///
/// Subscriptions are indexed by what they pin down — netuid and hotkey, netuid only, hotkey only,
/// or nothing — so routing looks at four buckets rather than every subscription. Each bucket keeps
/// its recipients grouped by event loop, built once after the bucket changes: routing an update
/// to 10 000 subscribers of one netuid copies no list and takes one lock, and each loop then
/// queues the same frame for its connections and writes each of them once.
final class UpdateRouter: Sendable {
    struct Route: Sendable {
        let session: ClientSession
        let subscription: String
        let filter: DividendFilter
    }

    /// One session's subscriptions in one bucket. A class, so that walking 10 000 of them per
    /// update costs one reference count each, not one per field. Built under the index's lock
    /// and never changed once the bucket's grouping is published.
    final class Target: @unchecked Sendable {
        let session: ClientSession
        /// The session's, held here so a batch's walk does not go through the session for them.
        let transport: SessionTransport
        let queue: OutboundQueue
        var names: [String]
        var filters: [DividendFilter]
        /// No filter of these narrows by kind: every update of the bucket matches all of them.
        var matchesEveryKind: Bool

        init(session: ClientSession, names: [String], filters: [DividendFilter], matchesEveryKind: Bool) {
            self.session = session
            self.transport = session.transport
            self.queue = session.queue
            self.names = names
            self.filters = filters
            self.matchesEveryKind = matchesEveryKind
        }

        func matched(_ key: DividendKey) -> [String] {
            if matchesEveryKind { return names }
            return zip(names, filters).filter { $0.1.matches(key) }.map(\.0)
        }
    }

    struct LoopTargets: Sendable {
        let loop: any EventLoop
        var targets: [Target]
    }

    private struct RouteID: Hashable { let session: UInt64; let subscription: String }
    private struct Pair: Hashable { let netuid: UInt16; let hotkey: String }

    private struct Bucket {
        var routes: [RouteID: Route] = [:]
        var grouped: [LoopTargets]?

        mutating func targets() -> [LoopTargets] {
            if let grouped { return grouped }
            var loops: [ObjectIdentifier: (loop: any EventLoop, sessions: [UInt64: Target])] = [:]
            for route in routes.values {
                let loop = route.session.transport.eventLoop
                let id = ObjectIdentifier(loop)
                if loops[id] == nil { loops[id] = (loop, [:]) }
                let everyKind = route.filter.kinds == nil
                if let target = loops[id]!.sessions[route.session.id] {
                    target.names.append(route.subscription)
                    target.filters.append(route.filter)
                    target.matchesEveryKind = target.matchesEveryKind && everyKind
                } else {
                    loops[id]!.sessions[route.session.id] = Target(session: route.session, names: [route.subscription], filters: [route.filter], matchesEveryKind: everyKind)
                }
            }
            let built = loops.values.map { LoopTargets(loop: $0.loop, targets: Array($0.sessions.values)) }
            grouped = built
            return built
        }
    }

    private struct Index {
        var byPair: [Pair: Bucket] = [:]
        var byNetuid: [UInt16: Bucket] = [:]
        var byHotkey: [String: Bucket] = [:]
        var everything = Bucket()
        var count = 0

        mutating func update(_ route: Route, insert: Bool) {
            let id = RouteID(session: route.session.id, subscription: route.subscription)
            let value = insert ? route : nil
            func change(_ bucket: inout Bucket) {
                bucket.routes[id] = value
                bucket.grouped = nil
            }
            switch (route.filter.netuid, route.filter.hotkey) {
            case (let netuid?, let hotkey?):
                let pair = Pair(netuid: netuid, hotkey: hotkey)
                change(&byPair[pair, default: Bucket()])
                if byPair[pair]?.routes.isEmpty == true { byPair[pair] = nil }
            case (let netuid?, nil):
                change(&byNetuid[netuid, default: Bucket()])
                if byNetuid[netuid]?.routes.isEmpty == true { byNetuid[netuid] = nil }
            case (nil, let hotkey?):
                change(&byHotkey[hotkey, default: Bucket()])
                if byHotkey[hotkey]?.routes.isEmpty == true { byHotkey[hotkey] = nil }
            case (nil, nil):
                change(&everything)
            }
        }

        /// The recipients of `key`, per bucket that has any.
        mutating func targets(for key: DividendKey) -> [[LoopTargets]] {
            var found: [[LoopTargets]] = []
            let pair = Pair(netuid: key.netuid, hotkey: key.hotkey)
            if byPair[pair] != nil { found.append(byPair[pair]!.targets()) }
            if byNetuid[key.netuid] != nil { found.append(byNetuid[key.netuid]!.targets()) }
            if byHotkey[key.hotkey] != nil { found.append(byHotkey[key.hotkey]!.targets()) }
            if !everything.routes.isEmpty { found.append(everything.targets()) }
            return found
        }
    }

    private let index = Mutex(Index())
    private let metrics: ServerMetrics?

    init(metrics: ServerMetrics? = nil) {
        self.metrics = metrics
    }

    func add(_ route: Route) {
        index.withLock { index in
            index.update(route, insert: true)
            index.count += 1
        }
    }

    func remove(_ route: Route) {
        index.withLock { index in
            index.update(route, insert: false)
            index.count -= 1
        }
    }

    var subscriptionCount: Int { index.withLock { $0.count } }

    /// Hands the update to every session with a matching subscription, once per session: one
    /// task per event loop, which queues it for each of its sessions and then writes each once.
    func route(_ change: DividendChange, frame: UpdateFrame, received: ContinuousClock.Instant) {
        let buckets = index.withLock { $0.targets(for: change.key) }
        guard !buckets.isEmpty else { return }
        var perLoop: [ObjectIdentifier: (loop: any EventLoop, lists: [[Target]])] = [:]
        for bucket in buckets {
            for group in bucket {
                perLoop[ObjectIdentifier(group.loop), default: (group.loop, [])].lists.append(group.targets)
            }
        }
        let metrics = self.metrics
        for (loop, lists) in perLoop.values {
            loop.execute {
                let targets = lists.count == 1 ? lists[0] : Self.merge(lists)
                var written = 0
                for target in targets {
                    let names = target.matched(change.key)
                    if !names.isEmpty, target.session.deliver(change, frame: frame, received: received, matched: names) { written += 1 }
                }
                metrics?.messagesOut.increment(by: Int64(written))
                LoopFlusher.of(loop).flushSoon(targets, received: received, metrics: metrics)
            }
        }
    }

    /// A session with subscriptions in several buckets gets the update once, for all of them.
    private static func merge(_ lists: [[Target]]) -> [Target] {
        var merged: [UInt64: Target] = [:]
        for list in lists {
            for target in list {
                if let existing = merged[target.session.id] {
                    // A fresh target: the bucket's own stay as they are.
                    merged[target.session.id] = Target(
                        session: existing.session, names: existing.names + target.names, filters: existing.filters + target.filters,
                        matchesEveryKind: existing.matchesEveryKind && target.matchesEveryKind
                    )
                } else {
                    merged[target.session.id] = target
                }
            }
        }
        return Array(merged.values)
    }
}
