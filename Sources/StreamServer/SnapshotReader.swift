import Foundation
import Model
import TaoRedis

/// Reads current dividend values from the watcher's Redis hashes.
///
/// The hashes and the change log are read in one MULTI, so the snapshot is exactly the state
/// after the log's last entry: updates up to that offset are in it, later ones are not.
struct SnapshotReader: Sendable {
    let redis: RedisClient
    let layout: RedisLayout

    struct Snapshot: Sendable {
        var entries: [DividendEntry]
        /// The last change the snapshot includes (nil when the log is empty).
        var offset: StreamOffset?
    }

    func read(_ filter: DividendFilter) async throws(RedisError) -> Snapshot {
        let kinds = try await trackedKinds(filter)
        let netuids: [UInt16]
        if let netuid = filter.netuid {
            netuids = [netuid]
        } else {
            netuids = try await redis.smembers(layout.netuidsKey).compactMap(UInt16.init).sorted()
        }
        var reads: [RedisCommand] = []
        for kind in kinds {
            for netuid in netuids {
                let key = layout.latestKey(kind: kind, netuid: netuid)
                if let hotkey = filter.hotkey {
                    reads.append(RedisCommand("HMGET", RedisArgument(key), RedisArgument(hotkey)))
                } else {
                    reads.append(RedisCommand("HGETALL", RedisArgument(key)))
                }
            }
        }
        let commands = [RedisCommand("MULTI")] + reads + [
            RedisCommand("XREVRANGE", RedisArgument(layout.changeLogKey), "+", "-", "COUNT", "1"),
            RedisCommand("EXEC"),
        ]
        let replies = try await redis.pipeline(commands)
        guard let results = replies.last?.array, results.count == reads.count + 1 else {
            throw .unexpectedReply(command: "EXEC", reply: replies.last?.description ?? "nothing")
        }
        let decoder = JSONDecoder()
        var entries: [DividendEntry] = []
        for result in results.dropLast() {
            guard let values = result.array else { continue }
            // HGETALL gives field, value pairs; HMGET gives just the value.
            let payloads = filter.hotkey == nil ? stride(from: 1, to: values.count, by: 2).map { values[$0] } : values
            for payload in payloads {
                guard let bytes = payload.bytes, let entry = try? decoder.decode(DividendEntry.self, from: Data(bytes)) else { continue }
                if filter.matches(entry.key) { entries.append(entry) }
            }
        }
        entries.sort(by: Self.inOrder)
        let last = try RedisStreamEntry.parseFirst(results.last!)
        return Snapshot(entries: entries, offset: last.flatMap { StreamOffset($0.id) })
    }

    /// The order of a snapshot's entries, wherever it is read from: netuid, kind, hotkey.
    static func inOrder(_ a: DividendEntry, _ b: DividendEntry) -> Bool {
        (a.netuid, a.kind, a.hotkey) < (b.netuid, b.kind, b.hotkey)
    }

    private func trackedKinds(_ filter: DividendFilter) async throws(RedisError) -> [DividendKind] {
        if let kinds = filter.kinds { return kinds.sorted() }
        let tracked = try await trackedKinds()
        return tracked.isEmpty ? DividendKind.known : tracked.sorted()
    }

    /// The dividend maps the watcher says it tracks (empty before it first ran).
    func trackedKinds() async throws(RedisError) -> Set<DividendKind> {
        Set(try await redis.smembers(layout.kindsKey).map { DividendKind(rawValue: $0) })
    }
}
