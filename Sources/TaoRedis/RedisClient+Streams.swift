/// Stream commands: the bounded change log and the command queue are both Redis streams.
extension RedisClient {
    /// XADD with an approximate MAXLEN cap; returns the new entry's id.
    @discardableResult
    public nonisolated func xadd(
        _ key: String, maxLength: Int? = nil, id: String = "*", fields: [(String, [UInt8])]
    ) async throws(RedisError) -> String {
        try await send(Self.xaddCommand(key, maxLength: maxLength, id: id, fields: fields)).string ?? ""
    }

    /// The XADD command itself, for callers that pipeline it with others.
    public nonisolated static func xaddCommand(
        _ key: String, maxLength: Int? = nil, id: String = "*", fields: [(String, [UInt8])]
    ) -> RedisCommand {
        var arguments = [RedisArgument(key)]
        if let maxLength { arguments += ["MAXLEN", "~", RedisArgument(maxLength)] }
        arguments.append(RedisArgument(id))
        for (field, value) in fields {
            arguments.append(RedisArgument(field))
            arguments.append(RedisArgument(bytes: value))
        }
        return RedisCommand("XADD", arguments)
    }

    /// XRANGE from `start` to `end` inclusive (`-`/`+` for the ends, `(id` for exclusive).
    public nonisolated func xrange(_ key: String, from start: String = "-", to end: String = "+", count: Int? = nil) async throws(RedisError) -> [RedisStreamEntry] {
        var arguments = [RedisArgument(key), RedisArgument(start), RedisArgument(end)]
        if let count { arguments += ["COUNT", RedisArgument(count)] }
        return try RedisStreamEntry.parseList(try await send(RedisCommand("XRANGE", arguments)), command: "XRANGE")
    }

    public nonisolated func xlen(_ key: String) async throws(RedisError) -> Int {
        Int(try await send(RedisCommand("XLEN", RedisArgument(key))).integer ?? 0)
    }

    /// XGROUP CREATE … MKSTREAM; an existing group is not an error.
    public nonisolated func xgroupCreate(_ key: String, group: String, startingAt id: String = "$") async throws(RedisError) {
        do {
            _ = try await send(RedisCommand("XGROUP", "CREATE", RedisArgument(key), RedisArgument(group), RedisArgument(id), "MKSTREAM"))
        } catch .server(let message) where message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    /// XREADGROUP for one stream. `id` is `>` for new entries or `0` for this consumer's pending ones.
    /// With `block`, the call waits that long for entries: use a client of its own for it.
    public nonisolated func xreadgroup(
        group: String, consumer: String, stream key: String, id: String = ">", count: Int = 16, block: Duration? = nil
    ) async throws(RedisError) -> [RedisStreamEntry] {
        var arguments: [RedisArgument] = ["GROUP", RedisArgument(group), RedisArgument(consumer), "COUNT", RedisArgument(count)]
        var timeout = configuration.commandTimeout
        if let block {
            arguments += ["BLOCK", RedisArgument(max(1, block.wholeMilliseconds))]
            timeout += block
        }
        arguments += ["STREAMS", RedisArgument(key), RedisArgument(id)]
        let reply = try await send(RedisCommand("XREADGROUP", arguments), timeout: timeout)
        if reply.isNull { return [] }
        // [[stream, [entries…]]]
        guard let streams = reply.array, let first = streams.first?.array, first.count == 2 else {
            throw .unexpectedReply(command: "XREADGROUP", reply: reply.description)
        }
        return try RedisStreamEntry.parseList(first[1], command: "XREADGROUP")
    }

    @discardableResult
    public nonisolated func xack(_ key: String, group: String, ids: [String]) async throws(RedisError) -> Int {
        Int(try await send(RedisCommand("XACK", [RedisArgument(key), RedisArgument(group)] + ids.map { RedisArgument($0) })).integer ?? 0)
    }

    /// XAUTOCLAIM: takes over entries another consumer left pending longer than `minIdle`.
    /// Returns the cursor to continue from (`0-0` when done) and the claimed entries.
    public nonisolated func xautoclaim(
        _ key: String, group: String, consumer: String, minIdle: Duration, start: String = "0-0", count: Int = 16
    ) async throws(RedisError) -> (next: String, entries: [RedisStreamEntry]) {
        let idle = max(0, minIdle.wholeMilliseconds)
        let reply = try await send(RedisCommand("XAUTOCLAIM", [
            RedisArgument(key), RedisArgument(group), RedisArgument(consumer), RedisArgument(idle), RedisArgument(start),
            "COUNT", RedisArgument(count),
        ]))
        guard let parts = reply.array, parts.count >= 2, let next = parts[0].string else {
            throw .unexpectedReply(command: "XAUTOCLAIM", reply: reply.description)
        }
        // Entries deleted meanwhile come back as nil: skip them rather than failing the claim.
        let entries = (parts[1].array ?? []).filter { !$0.isNull }
        var claimed: [RedisStreamEntry] = []
        for entry in entries { claimed.append(try RedisStreamEntry.parse(entry, command: "XAUTOCLAIM")) }
        return (next, claimed)
    }
}
