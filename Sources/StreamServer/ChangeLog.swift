import Foundation
import Model
import TaoRedis

/// The bounded change log (a Redis stream), read to replay what a client or this server missed.
struct ChangeLog: Sendable {
    let redis: RedisClient
    let layout: RedisLayout

    enum Replay: Sendable {
        /// Every change after the offset that the filter matches, in order (possibly none); never
        /// cut short. `scanned`: the entries read to find them.
        case complete([DividendChange], end: StreamOffset?, scanned: Int)
        /// The log no longer reaches back to the offset, never had it, or holds more changes after
        /// it than one replay may carry: a fresh snapshot is the answer.
        /// `scanned`: the entries read before that was known (a replay over the bound reads it whole).
        case tooOld(scanned: Int)

        /// The entries read, whatever came of it.
        var scanned: Int {
            switch self {
            case .complete(_, _, let scanned), .tooOld(let scanned): scanned
            }
        }
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

    /// The changes after `offset`, if the log still holds all of them and there are at most `limit`.
    ///
    /// More than `limit` is `.tooOld` too: a replay cut at the limit but reported complete would
    /// let the client go live past the changes left out, a silent gap. The log is checked before
    /// the read and again after it, since entries trimmed between the check and the read would be
    /// missing from it just as silently.
    ///
    /// Only the entries `filter` matches are decoded into changes; the others are parsed far
    /// enough to read their key, so a replay that matches little costs little more than reading.
    func changes(after offset: StreamOffset, matching filter: DividendFilter = DividendFilter(), limit: Int = 100_000) async throws(RedisError) -> Replay {
        guard try await holdsEverything(after: offset) else { return .tooOld(scanned: 0) }
        let bound = min(max(limit, 0), Int.max - 1)
        // One more than the bound, to tell "exactly the bound" from "cut at the bound".
        let entries = try await redis.xrange(layout.changeLogKey, from: "(" + offset.description, count: bound + 1)
        guard entries.count <= bound else { return .tooOld(scanned: entries.count) }
        guard try await holdsEverything(after: offset) else { return .tooOld(scanned: entries.count) }
        let decoder = JSONDecoder()
        var changes: [DividendChange] = []
        changes.reserveCapacity(entries.count)
        for entry in entries {
            // Skipped like a malformed message on the live feed, so a replay matches what live clients got.
            guard let bytes = entry.fields[RedisLayout.changeField], let key = Self.key(of: bytes), filter.matches(key),
                  let change = try? decoder.decode(DividendChange.self, from: Data(bytes)) else { continue }
            changes.append(change)
        }
        return .complete(changes, end: entries.last.flatMap { StreamOffset($0.id) } ?? offset, scanned: entries.count)
    }

    /// The key of a logged change, read without decoding the rest of it.
    static func key(of bytes: [UInt8]) -> DividendKey? {
        guard case .object(let fields)? = try? JSONParser.parse(bytes),
              case .string(let kind)? = fields["kind"],
              case .integer(let number)? = fields["netuid"], let netuid = UInt16(exactly: number),
              case .string(let hotkey)? = fields["hotkey"] else { return nil }
        return DividendKey(kind: DividendKind(rawValue: kind), netuid: netuid, hotkey: hotkey)
    }

    /// Whether every change after `offset` is still in the log.
    ///
    /// Trimming removes the oldest entries, so nothing after `offset` is gone when `offset` is at or
    /// past the first entry still held, or when nothing was ever trimmed (`entries-added` equals
    /// the length) and no entry after it was deleted (`max-deleted-entry-id`).
    private func holdsEverything(after offset: StreamOffset) async throws(RedisError) -> Bool {
        let reply: RESPValue
        do {
            reply = try await redis.send(RedisCommand("XINFO", "STREAM", RedisArgument(layout.changeLogKey)))
        } catch .server(let message) where message.contains("no such key") {
            return false
        }
        // After Redis lost its data the watcher put the state back without a log of how it got
        // there: nothing at or before that block can be replayed.
        let logFrom = try await redis.hget(layout.watcherKey, "log_from").flatMap { UInt64(String(decoding: $0, as: UTF8.self)) }
        if let logFrom, offset.block <= logFrom { return false }
        let info = Self.fields(of: reply)
        let lastID = info["last-generated-id"]?.string.flatMap(StreamOffset.init)
        let maxDeleted = info["max-deleted-entry-id"]?.string.flatMap(StreamOffset.init) ?? StreamOffset(block: 0, sequence: 0)
        let firstHeld = info["recorded-first-entry-id"]?.string.flatMap(StreamOffset.init)
        let trimmed = (info["entries-added"]?.integer ?? 0) > (info["length"]?.integer ?? 0)
        // An offset ahead of the log comes from another log (Redis was reset): no replay can be right.
        guard let lastID, offset <= lastID else { return false }
        if maxDeleted > offset { return false }
        if trimmed, firstHeld.map({ offset < $0 }) ?? true { return false }
        return true
    }
}
