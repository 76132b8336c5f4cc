import Foundation
import Model
import TaoRedis

extension DividendPublisher {
    /// What was published last (the latest-value hashes), to diff a restarted watcher against.
    public func publishedSnapshot(kinds: [DividendKind]) async throws(RedisError) -> [DividendKey: UInt64] {
        var snapshot: [DividendKey: UInt64] = [:]
        let netuids = try await redis.smembers(layout.netuidsKey).compactMap(UInt16.init)
        let decoder = JSONDecoder()
        for kind in kinds {
            for netuid in netuids {
                for (hotkey, bytes) in try await redis.hgetall(layout.latestKey(kind: kind, netuid: netuid)) {
                    guard let entry = try? decoder.decode(DividendEntry.self, from: Data(bytes)), let amount = UInt64(entry.amount) else { continue }
                    snapshot[DividendKey(kind: kind, netuid: netuid, hotkey: hotkey)] = amount
                }
            }
        }
        return snapshot
    }
}
