/// One entry of a Redis stream: its id (`<ms>-<seq>`) and field values.
public struct RedisStreamEntry: Sendable, Equatable {
    public var id: String
    public var fields: [String: [UInt8]]

    public init(id: String, fields: [String: [UInt8]]) {
        self.id = id
        self.fields = fields
    }

    public func string(_ field: String) -> String? {
        fields[field].map { String(decoding: $0, as: UTF8.self) }
    }

    /// Parses `[id, [f1, v1, …]]`; a nil field list (entry deleted while pending) gives no fields.
    static func parse(_ reply: RESPValue, command: String) throws(RedisError) -> RedisStreamEntry {
        guard let parts = reply.array, parts.count == 2, let id = parts[0].string else {
            throw .unexpectedReply(command: command, reply: reply.description)
        }
        if parts[1].isNull { return RedisStreamEntry(id: id, fields: [:]) }
        guard let values = parts[1].array else { throw .unexpectedReply(command: command, reply: reply.description) }
        return RedisStreamEntry(id: id, fields: try RedisClient.pairs(values, command: command))
    }

    /// The first entry of an XRANGE/XREVRANGE reply, or nil when it is empty.
    public static func parseFirst(_ reply: RESPValue) throws(RedisError) -> RedisStreamEntry? {
        try parseList(reply, command: "XRANGE").first
    }

    static func parseList(_ reply: RESPValue, command: String) throws(RedisError) -> [RedisStreamEntry] {
        if reply.isNull { return [] }
        guard let entries = reply.array else { throw .unexpectedReply(command: command, reply: reply.description) }
        var result: [RedisStreamEntry] = []
        result.reserveCapacity(entries.count)
        for entry in entries { result.append(try parse(entry, command: command)) }
        return result
    }
}
