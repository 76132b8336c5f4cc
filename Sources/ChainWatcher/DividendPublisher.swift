import Foundation
import Model
import TaoRedis

/// Publishes the dividend changes of one block to Redis, exactly as ``RedisLayout`` documents.
///
/// All of a block goes in one Lua script, which Redis runs atomically: the latest-value hashes, the
/// change log and the pub/sub messages never disagree, and a reader that takes a snapshot with
/// MULTI sees either all of a block or none of it. The script first compares the block with the
/// last one published, so a block processed again after a crash publishes nothing twice.
public struct DividendPublisher: Sendable {
    public let redis: RedisClient
    public let layout: RedisLayout

    public init(redis: RedisClient, layout: RedisLayout = RedisLayout()) {
        self.redis = redis
        self.layout = layout
    }

    static let script = """
        local last = tonumber(redis.call('HGET', KEYS[1], 'block') or '-1')
        if last >= tonumber(ARGV[1]) then return -1 end
        if ARGV[4] ~= '' and last ~= tonumber(ARGV[4]) then return -2 end
        local count = 0
        for i = 5, #ARGV, 7 do
          if ARGV[i + 2] == '' then
            redis.call('HDEL', ARGV[i], ARGV[i + 1])
          else
            redis.call('HSET', ARGV[i], ARGV[i + 1], ARGV[i + 2])
          end
          redis.call('SADD', KEYS[3], ARGV[i + 6])
          redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], ARGV[i + 3], 'change', ARGV[i + 5])
          redis.call('PUBLISH', ARGV[i + 4], ARGV[i + 5])
          count = count + 1
        end
        redis.call('HSET', KEYS[1], 'block', ARGV[1], 'block_hash', ARGV[2])
        redis.call('PUBLISH', KEYS[4], ARGV[1])
        return count
        """

    /// Publishes `changes` as block `block`; returns false when that block was already published.
    /// Changes must be in offset order, all with this block's number. With `after`, the block is
    /// refused (``PublishError/notAfter(expected:found:)``) unless Redis last saw exactly that block:
    /// a Redis that lost its data must get a full snapshot, not a diff against what it forgot.
    @discardableResult
    public func publish(block: UInt64, blockHash: String, changes: [DividendChange], after previous: UInt64? = nil, logLength: Int = RedisLayout.changeLogLength) async throws(RedisError) -> Bool {
        let encoder = JSONEncoder()
        var arguments: [RedisArgument] = [
            RedisArgument(Self.script), "4",
            RedisArgument(layout.watcherKey), RedisArgument(layout.changeLogKey), RedisArgument(layout.netuidsKey), RedisArgument(layout.blockChannel),
            RedisArgument(block), RedisArgument(blockHash), RedisArgument(logLength),
            RedisArgument(previous.map { String($0) } ?? ""),
        ]
        arguments.reserveCapacity(arguments.count + changes.count * 7)
        for change in changes {
            precondition(change.block == block, "a change of block \(change.block) published as block \(block)")
            let entry = try? change.entry.map { try encoder.encode($0) }
            guard let payload = try? encoder.encode(change) else { continue }
            arguments.append(RedisArgument(layout.latestKey(kind: change.kind, netuid: change.netuid)))
            arguments.append(RedisArgument(change.hotkey))
            arguments.append(RedisArgument(bytes: entry.flatMap { $0 }.map(Array.init) ?? []))
            arguments.append(RedisArgument(change.offset.description))
            arguments.append(RedisArgument(layout.changeChannel(change.key)))
            arguments.append(RedisArgument(bytes: Array(payload)))
            arguments.append(RedisArgument(change.netuid))
        }
        let reply = try await redis.send(RedisCommand("EVAL", arguments))
        if reply.integer == -2 {
            throw .server("Redis does not hold block \(previous.map(String.init) ?? "-") as the last published; it lost data or another watcher writes here")
        }
        return reply.integer != -1
    }

    /// Records which dividend maps are tracked, so snapshots know where to look.
    public func register(kinds: [DividendKind]) async throws(RedisError) {
        guard !kinds.isEmpty else { return }
        _ = try await redis.pipeline([
            RedisCommand("MULTI"),
            RedisCommand("DEL", RedisArgument(layout.kindsKey)),
            RedisCommand("SADD", [RedisArgument(layout.kindsKey)] + kinds.map { RedisArgument($0.rawValue) }),
            RedisCommand("EXEC"),
        ])
    }

    /// The genesis hash of the chain last followed (`genesis` in the watcher hash), nil before any.
    public func publishedGenesis() async throws(RedisError) -> String? {
        try await redis.hget(layout.watcherKey, "genesis").map { String(decoding: $0, as: UTF8.self) }
    }

    public func recordGenesis(_ hash: String) async throws(RedisError) {
        _ = try await redis.send(RedisCommand("HSET", RedisArgument(layout.watcherKey), "genesis", RedisArgument(hash)))
    }

    /// The last block fully published, to resume from after a restart.
    public func lastPublishedBlock() async throws(RedisError) -> (number: UInt64, hash: String)? {
        let fields = try await redis.hgetall(layout.watcherKey)
        guard let number = fields["block"].flatMap({ UInt64(String(decoding: $0, as: UTF8.self)) }) else { return nil }
        return (number, fields["block_hash"].map { String(decoding: $0, as: UTF8.self) } ?? "")
    }
}
