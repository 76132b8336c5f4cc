import Model
import SubstrateCore

/// Positional JSON-RPC parameters with the conversions Substrate methods need.
struct RPCParameters {
    let values: [JSONValue]

    init(_ params: JSONValue?) {
        switch params {
        case .array(let values)?: self.values = values
        case nil, .null?: self.values = []
        case let other?: self.values = [other]
        }
    }

    subscript(_ index: Int) -> JSONValue? {
        guard index < values.count, values[index] != .null else { return nil }
        return values[index]
    }

    func bytes(_ index: Int) throws(RPCError) -> [UInt8]? {
        guard let value = self[index] else { return nil }
        guard case .string(let text) = value, let bytes = try? Hex.decode(text) else {
            throw .invalidParams("parameter \(index + 1) must be 0x-prefixed hex")
        }
        return bytes
    }

    func requiredBytes(_ index: Int) throws(RPCError) -> [UInt8] {
        guard let bytes = try bytes(index) else { throw .invalidParams("parameter \(index + 1) is required") }
        return bytes
    }

    func integer(_ index: Int) throws(RPCError) -> UInt64? {
        switch self[index] {
        case nil: return nil
        case .integer(let value)? where value >= 0: return UInt64(value)
        case .unsigned(let value)?: return value
        case .integer?:
            throw .invalidParams("parameter \(index + 1) must not be negative")
        case .string(let text)?:
            let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            guard let value else { throw .invalidParams("parameter \(index + 1) must be a number, decimal or 0x-hex; got '\(text.prefix(40))'") }
            return value
        case .null?: return nil
        default: throw .invalidParams("parameter \(index + 1) must be a number")
        }
    }

    func string(_ index: Int) -> String? {
        if case .string(let text)? = self[index] { return text }
        return nil
    }
}

extension Array where Element == UInt8 {
    var hexJSON: JSONValue { .string(Hex.encode(self, prefixed: true)) }
}
