import Foundation
import Model
import TaoRedis

/// The bounded change log (a Redis stream), read to replay what a client or this server missed.
struct ChangeLog: Sendable {
    let redis: RedisClient
    let layout: RedisLayout

    enum Replay: Sendable {
        /// Every change after the offset, in order (possibly none).
        case complete([DividendChange], end: StreamOffset?)
        /// The log no longer reaches back to the offset, or never had it.
        case tooOld
    }

    /// The offset of the newest change ever appended (`0-0` while the log does not exist yet).
    func end() async throws(RedisError) -> StreamOffset {
        do {
            let reply = try await redis.send(RedisCommand("XINFO", "STREAM", RedisArgument(layout.changeLogKey)))
            return Self.fields(of: reply)["last-generated-id"]?.string.flatMap(StreamOffset.init) ?? StreamOffset(block: 0, sequence: 0)
        } catch .server(let message) where message.contains("no such key") {
            return StreamOffset(block: 0, sequence: 0)
        }
    }

    private static func fields(of reply: RESPValue) -> [String: RESPValue] {
        guard let values = reply.array else { return [:] }
        var fields: [String: RESPValue] = [:]
        for index in stride(from: 0, to: values.count - 1, by: 2) {
            if let name = values[index].string { fields[name] = values[index + 1] }
        }
        return fields
    }

    /// The changes after `offset`, if the log still holds all of them.
    ///
    /// Trimming removes the oldest entries, so nothing after `offset` is gone when `offset` is at or
    /// past the first entry still held, or when nothing was ever trimmed (`entries-added` equals
    /// the length) and no entry after it was deleted (`max-deleted-entry-id`).
    func changes(after offset: StreamOffset, limit: Int = 100_000) async throws(RedisError) -> Replay {
        let reply: RESPValue
        do {
            reply = try await redis.send(RedisCommand("XINFO", "STREAM", RedisArgument(layout.changeLogKey)))
        } catch .server(let message) where message.contains("no such key") {
            return .tooOld
        }
        // After Redis lost its data the watcher put the state back without a log of how it got
        // there: nothing at or before that block can be replayed.
        let logFrom = try await redis.hget(layout.watcherKey, "log_from").flatMap { UInt64(String(decoding: $0, as: UTF8.self)) }
        if let logFrom, offset.block <= logFrom { return .tooOld }
        let info = Self.fields(of: reply)
        let lastID = info["last-generated-id"]?.string.flatMap(StreamOffset.init)
        let maxDeleted = info["max-deleted-entry-id"]?.string.flatMap(StreamOffset.init) ?? StreamOffset(block: 0, sequence: 0)
        let firstHeld = info["recorded-first-entry-id"]?.string.flatMap(StreamOffset.init)
        let trimmed = (info["entries-added"]?.integer ?? 0) > (info["length"]?.integer ?? 0)
        // An offset ahead of the log comes from another log (Redis was reset): no replay can be right.
        guard let lastID, offset <= lastID else { return .tooOld }
        if maxDeleted > offset { return .tooOld }
        if trimmed, firstHeld.map({ offset < $0 }) ?? true { return .tooOld }
        let entries = try await redis.xrange(layout.changeLogKey, from: "(" + offset.description, count: limit)
        let decoder = JSONDecoder()
        var changes: [DividendChange] = []
        changes.reserveCapacity(entries.count)
        for entry in entries {
            guard let bytes = entry.fields[RedisLayout.changeField], let change = try? decoder.decode(DividendChange.self, from: Data(bytes)) else { continue }
            changes.append(change)
        }
        return .complete(changes, end: entries.last.flatMap { StreamOffset($0.id) } ?? offset)
    }
}
