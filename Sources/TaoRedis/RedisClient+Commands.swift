/// Typed forms of the plain commands TaoStream uses.
extension RedisClient {
    public nonisolated func ping() async throws(RedisError) {
        let reply = try await send(RedisCommand("PING"))
        guard reply.string == "PONG" else { throw .unexpectedReply(command: "PING", reply: reply.description) }
    }

    public nonisolated func get(_ key: String) async throws(RedisError) -> [UInt8]? {
        try await send(RedisCommand("GET", RedisArgument(key))).bytes
    }

    /// SET, optionally with an expiry and only when the key is absent (`NX`). Returns whether it was set.
    @discardableResult
    public nonisolated func set(
        _ key: String, to value: [UInt8], expiresIn: Duration? = nil, onlyIfAbsent: Bool = false
    ) async throws(RedisError) -> Bool {
        var arguments = [RedisArgument(key), RedisArgument(bytes: value)]
        if let expiresIn {
            arguments += ["PX", RedisArgument(max(1, expiresIn.wholeMilliseconds))]
        }
        if onlyIfAbsent { arguments.append("NX") }
        return try await send(RedisCommand("SET", arguments)).isNull == false
    }

    @discardableResult
    public nonisolated func del(_ keys: [String]) async throws(RedisError) -> Int {
        Int(try await send(RedisCommand("DEL", keys.map { RedisArgument($0) })).integer ?? 0)
    }

    /// PUBLISH; returns how many subscribers received it.
    @discardableResult
    public nonisolated func publish(_ message: [UInt8], to channel: String) async throws(RedisError) -> Int {
        Int(try await send(RedisCommand("PUBLISH", RedisArgument(channel), RedisArgument(bytes: message))).integer ?? 0)
    }

    @discardableResult
    public nonisolated func hset(_ key: String, _ fields: [(String, [UInt8])]) async throws(RedisError) -> Int {
        var arguments = [RedisArgument(key)]
        for (field, value) in fields {
            arguments.append(RedisArgument(field))
            arguments.append(RedisArgument(bytes: value))
        }
        return Int(try await send(RedisCommand("HSET", arguments)).integer ?? 0)
    }

    public nonisolated func hget(_ key: String, _ field: String) async throws(RedisError) -> [UInt8]? {
        try await send(RedisCommand("HGET", RedisArgument(key), RedisArgument(field))).bytes
    }

    public nonisolated func hgetall(_ key: String) async throws(RedisError) -> [String: [UInt8]] {
        let reply = try await send(RedisCommand("HGETALL", RedisArgument(key)))
        guard let values = reply.array else { throw .unexpectedReply(command: "HGETALL", reply: reply.description) }
        return try Self.pairs(values, command: "HGETALL")
    }

    @discardableResult
    public nonisolated func hdel(_ key: String, _ fields: [String]) async throws(RedisError) -> Int {
        Int(try await send(RedisCommand("HDEL", [RedisArgument(key)] + fields.map { RedisArgument($0) })).integer ?? 0)
    }

    @discardableResult
    public nonisolated func sadd(_ key: String, _ members: [String]) async throws(RedisError) -> Int {
        Int(try await send(RedisCommand("SADD", [RedisArgument(key)] + members.map { RedisArgument($0) })).integer ?? 0)
    }

    public nonisolated func smembers(_ key: String) async throws(RedisError) -> Set<String> {
        let reply = try await send(RedisCommand("SMEMBERS", RedisArgument(key)))
        guard let values = reply.array else { throw .unexpectedReply(command: "SMEMBERS", reply: reply.description) }
        return Set(values.compactMap(\.string))
    }

    /// Turns a flat `[k1, v1, k2, v2, …]` reply into a dictionary.
    static func pairs(_ values: [RESPValue], command: String) throws(RedisError) -> [String: [UInt8]] {
        guard values.count % 2 == 0 else { throw .unexpectedReply(command: command, reply: "odd number of elements") }
        var result: [String: [UInt8]] = [:]
        result.reserveCapacity(values.count / 2)
        var index = 0
        while index < values.count {
            guard let field = values[index].string else {
                throw .unexpectedReply(command: command, reply: values[index].description)
            }
            result[field] = values[index + 1].bytes ?? []
            index += 2
        }
        return result
    }
}
