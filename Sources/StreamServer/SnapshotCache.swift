import Model
import Synchronization

/// Every dividend entry's latest value, in this server's memory, kept current by the update feed:
/// a subscribe reads its snapshot here instead of queueing two Redis round trips behind thousands
/// of others (a reconnect storm after a deploy).
///
/// Consistency with the live feed: the feed applies a change here before it routes it, and a
/// subscription registers its route before it reads here. A change the read missed is therefore
/// routed after the route exists, and one it saw is at or below the snapshot's offset, which the
/// subscription's floor filters out. While it loads (at start, and again whenever the feed may
/// have missed changes) it answers nil and readers go to Redis.
final class SnapshotCache: Sendable {
    private struct State {
        var byNetuid: [UInt16: [DividendKey: DividendEntry]] = [:]
        var offset: StreamOffset?
        var ready = false
        /// Changes that arrived while a load was reading Redis, applied once it lands.
        var pending: [DividendChange] = []
        /// Which load is current: an older one that lands late is dropped.
        var generation = 0
    }

    private let state = Mutex(State())

    /// The entries `filter` matches and the offset they are current at; nil while loading.
    func read(_ filter: DividendFilter) -> SnapshotReader.Snapshot? {
        state.withLock { state in
            guard state.ready else { return nil }
            var entries: [DividendEntry] = []
            func collect(_ table: [DividendKey: DividendEntry]) {
                for (key, entry) in table where filter.matches(key) { entries.append(entry) }
            }
            if let netuid = filter.netuid {
                state.byNetuid[netuid].map(collect)
            } else {
                for table in state.byNetuid.values { collect(table) }
            }
            entries.sort(by: SnapshotReader.inOrder)
            return SnapshotReader.Snapshot(entries: entries, offset: state.offset)
        }
    }

    /// Applies a change the feed is about to route (in offset order).
    func apply(_ change: DividendChange) {
        state.withLock { state in
            guard state.ready else {
                state.pending.append(change)
                return
            }
            Self.apply(change, to: &state)
        }
    }

    /// Starts a load: reads answer nil until ``finishLoad(_:generation:)`` lands.
    func beginLoad() -> Int {
        state.withLock { state in
            state.ready = false
            state.pending = []
            state.generation += 1
            return state.generation
        }
    }

    /// Installs a full snapshot read from Redis, then the changes that came in meanwhile.
    func finishLoad(_ snapshot: SnapshotReader.Snapshot, generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            state.byNetuid = [:]
            for entry in snapshot.entries { state.byNetuid[entry.netuid, default: [:]][entry.key] = entry }
            state.offset = snapshot.offset
            state.ready = true
            for change in state.pending { Self.apply(change, to: &state) }
            state.pending = []
        }
    }

    private static func apply(_ change: DividendChange, to state: inout State) {
        // A change at or below the snapshot's offset is already in it.
        if let offset = state.offset, change.offset <= offset { return }
        state.byNetuid[change.netuid, default: [:]][change.key] = change.entry
        state.offset = change.offset
    }
}
