import Model
import NIOCore
import Synchronization

/// Finds the connections an update is for. Subscriptions are indexed by what they pin down —
/// netuid and hotkey, netuid only, hotkey only, or nothing — so routing an update looks at four
/// buckets rather than every subscription.
final class UpdateRouter: Sendable {
    struct Route: Sendable {
        let session: ClientSession
        let subscription: String
        let filter: DividendFilter
    }

    private struct RouteID: Hashable { let session: UInt64; let subscription: String }
    private struct Pair: Hashable { let netuid: UInt16; let hotkey: String }

    private struct Index {
        var byPair: [Pair: [RouteID: Route]] = [:]
        var byNetuid: [UInt16: [RouteID: Route]] = [:]
        var byHotkey: [String: [RouteID: Route]] = [:]
        var everything: [RouteID: Route] = [:]
        var count = 0

        mutating func update(_ route: Route, _ id: RouteID, insert: Bool) {
            let value = insert ? route : nil
            switch (route.filter.netuid, route.filter.hotkey) {
            case (let netuid?, let hotkey?): byPair[Pair(netuid: netuid, hotkey: hotkey), default: [:]][id] = value
            case (let netuid?, nil): byNetuid[netuid, default: [:]][id] = value
            case (nil, let hotkey?): byHotkey[hotkey, default: [:]][id] = value
            case (nil, nil): everything[id] = value
            }
        }
    }

    private let index = Mutex(Index())

    func add(_ route: Route) {
        index.withLock { index in
            index.update(route, RouteID(session: route.session.id, subscription: route.subscription), insert: true)
            index.count += 1
        }
    }

    func remove(_ route: Route) {
        index.withLock { index in
            index.update(route, RouteID(session: route.session.id, subscription: route.subscription), insert: false)
            index.count -= 1
        }
    }

    var subscriptionCount: Int { index.withLock { $0.count } }

    /// Hands the update to every session with a matching subscription, once per session.
    func route(_ change: DividendChange, frame: ByteBuffer, received: ContinuousClock.Instant) {
        let key = change.key
        let matches = index.withLock { index -> [UInt64: (ClientSession, [String])] in
            var found: [UInt64: (ClientSession, [String])] = [:]
            func collect(_ routes: [RouteID: Route]?) {
                guard let routes else { return }
                for route in routes.values where route.filter.matches(key) {
                    found[route.session.id, default: (route.session, [])].1.append(route.subscription)
                }
            }
            collect(index.byPair[Pair(netuid: key.netuid, hotkey: key.hotkey)])
            collect(index.byNetuid[key.netuid])
            collect(index.byHotkey[key.hotkey])
            collect(index.everything)
            return found
        }
        for (session, subscriptions) in matches.values {
            session.deliver(change, frame: frame, received: received, matched: subscriptions)
        }
    }
}
