import Foundation
import Model
import TaoRedis

extension DividendPublisher {
    /// What was published last (the latest-value hashes), to diff a restarted watcher against.
    public func publishedSnapshot(kinds: [DividendKind]) async throws(RedisError) -> [DividendKey: UInt64] {
        try await publishedEntries(kinds: kinds).compactMapValues { UInt64($0.amount) }
    }

    /// The latest-value hashes as entries, with the offset that set each value.
    public func publishedEntries(kinds: [DividendKind]) async throws(RedisError) -> [DividendKey: DividendEntry] {
        var snapshot: [DividendKey: DividendEntry] = [:]
        let netuids = try await redis.smembers(layout.netuidsKey).compactMap(UInt16.init)
        let decoder = JSONDecoder()
        for kind in kinds {
            for netuid in netuids {
                for (hotkey, bytes) in try await redis.hgetall(layout.latestKey(kind: kind, netuid: netuid)) {
                    guard let entry = try? decoder.decode(DividendEntry.self, from: Data(bytes)), UInt64(entry.amount) != nil else { continue }
                    snapshot[DividendKey(kind: kind, netuid: netuid, hotkey: hotkey)] = entry
                }
            }
        }
        return snapshot
    }

    static let restoreScript = """
        for _, kind in ipairs(redis.call('SMEMBERS', KEYS[3])) do
          for _, netuid in ipairs(redis.call('SMEMBERS', KEYS[2])) do
            redis.call('DEL', ARGV[3] .. kind .. ':' .. netuid)
          end
        end
        redis.call('DEL', KEYS[2])
        if ARGV[4] == '1' then redis.call('DEL', KEYS[5]) end
        for i = 5, #ARGV, 4 do
          redis.call('HSET', ARGV[i], ARGV[i + 1], ARGV[i + 2])
          redis.call('SADD', KEYS[2], ARGV[i + 3])
        end
        redis.call('HSET', KEYS[1], 'block', ARGV[1], 'block_hash', ARGV[2], 'log_from', ARGV[1])
        redis.call('PUBLISH', KEYS[4], ARGV[1])
        return 1
        """

    /// Puts back the state of block `block` after Redis lost what was published (a restart without
    /// persistence, or a restore of an older dump): the latest-value hashes become `entries`, and
    /// servers are told on ``RedisLayout/resyncChannel`` to send their clients fresh snapshots.
    ///
    /// Nothing goes into the change log: no dividend changed, Redis forgot. The log is marked as
    /// complete only after `block` (`log_from`), so a client asking to recover from an older offset
    /// gets a fresh snapshot instead of a replay with a hole in it.
    ///
    /// With `dropLog` (the chain itself changed: a reset devnet, another network) the change log is
    /// deleted too: its offsets belong to the other chain, and the new chain's blocks would be
    /// refused by a stream whose last id is higher.
    public func restore(entries: some Collection<DividendEntry>, block: UInt64, blockHash: String, dropLog: Bool = false) async throws(RedisError) {
        let encoder = JSONEncoder()
        var arguments: [RedisArgument] = [
            RedisArgument(Self.restoreScript), "5",
            RedisArgument(layout.watcherKey), RedisArgument(layout.netuidsKey), RedisArgument(layout.kindsKey), RedisArgument(layout.resyncChannel),
            RedisArgument(layout.changeLogKey),
            RedisArgument(block), RedisArgument(blockHash), RedisArgument(layout.latestKeyPrefix), dropLog ? "1" : "0",
        ]
        arguments.reserveCapacity(arguments.count + entries.count * 4)
        for entry in entries {
            guard let payload = try? encoder.encode(entry) else { continue }
            arguments.append(RedisArgument(layout.latestKey(kind: entry.kind, netuid: entry.netuid)))
            arguments.append(RedisArgument(entry.hotkey))
            arguments.append(RedisArgument(bytes: Array(payload)))
            arguments.append(RedisArgument(entry.netuid))
        }
        _ = try await redis.send(RedisCommand("EVAL", arguments))
    }
}
