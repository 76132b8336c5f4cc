import Model

/// A REST query string, read one parameter at a time and checked as it is read, so what is left
/// at the end is unknown and refused (a misspelt `hotkye` would otherwise widen the answer).
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ pairs: [(String, String)]) throws(HTTPRefusal) {
        for (name, value) in pairs {
            guard values[name] == nil else { throw Self.bad("'\(name.prefix(40))' is given twice") }
            values[name] = value
        }
    }

    static func bad(_ message: String) -> HTTPRefusal { HTTPRefusal(status: .badRequest, message: message) }

    mutating func netuid() throws(HTTPRefusal) -> UInt16 {
        guard let text = values.removeValue(forKey: "netuid") else { throw Self.bad("'netuid' is required") }
        guard let netuid = UInt16(text) else { throw Self.bad("'netuid' must be an integer from 0 to 65535") }
        return netuid
    }

    mutating func hotkey() throws(HTTPRefusal) -> String? {
        guard let text = values.removeValue(forKey: "hotkey") else { return nil }
        do throws(ProtocolError) { return try HotkeyAddress.validate(text) } catch { throw Self.bad(error.message) }
    }

    mutating func kind() throws(HTTPRefusal) -> DividendKind? {
        guard let text = values.removeValue(forKey: "kind") else { return nil }
        let kind = DividendKind(rawValue: text)
        guard kind.isValidName else { throw Self.bad("'kind' must be a dividend map name such as AlphaDividendsPerSubnet") }
        return kind
    }

    mutating func block(_ name: String) throws(HTTPRefusal) -> UInt64? {
        guard let text = values.removeValue(forKey: name) else { return nil }
        guard let block = UInt64(text), block <= UInt64(Int64.max) else { throw Self.bad("'\(name)' must be a block number") }
        return block
    }

    mutating func count(_ name: String, in range: ClosedRange<Int>) throws(HTTPRefusal) -> Int? {
        guard let text = values.removeValue(forKey: name) else { return nil }
        guard let count = Int(text), range.contains(count) else { throw Self.bad("'\(name)' must be from \(range.lowerBound) to \(range.upperBound)") }
        return count
    }

    mutating func take(_ name: String) -> String? { values.removeValue(forKey: name) }

    /// Refuses what no read took, naming what the endpoint takes.
    func rejectUnknown(expected: String) throws(HTTPRefusal) {
        if let unknown = values.keys.sorted().first {
            throw Self.bad("unknown parameter '\(unknown.prefix(40))'; expected \(expected)")
        }
    }
}
