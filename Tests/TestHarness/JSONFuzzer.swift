/// Hostile JSON from a seeded generator: valid messages taken apart (fields dropped, retyped,
/// doubled, stretched) and bytes mangled, the way an attacker or a broken client would send them.
public struct JSONFuzzer {
    public var random: SeededGenerator

    public init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    /// One of `corpus` (JSON objects as `[name: JSON text]` members), mutated once or more.
    public mutating func mutate(_ corpus: [[(String, String)]]) -> [UInt8] {
        var members = corpus.randomElement(using: &random)!
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where !members.isEmpty: members.remove(at: Int.random(in: 0..<members.count, using: &random))
            case 1 where !members.isEmpty: members[Int.random(in: 0..<members.count, using: &random)].1 = value(depth: 0)
            case 2 where !members.isEmpty: members.append(members.randomElement(using: &random)!)  // a duplicate key
            case 3: members.append((name(), value(depth: 0)))
            default: if !members.isEmpty { members[Int.random(in: 0..<members.count, using: &random)].1 = value(depth: 0) }
            }
        }
        var text = Array(("{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
        if Int.random(in: 0..<5, using: &random) == 0 { text = mangle(text) }
        return text
    }

    /// A JSON value of any kind, leaning on the edges: numbers at and past 64 bits, long and
    /// strange strings, deep nesting.
    public mutating func value(depth: Int) -> String {
        switch Int.random(in: 0..<(depth > 6 ? 9 : 11), using: &random) {
        case 0: return ["0", "-1", "65535", "65536", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                        "18446744073709551615", "18446744073709551616", "1e308", "-0.0", "1.5", "1e-400", "123456789012345678901234567890"]
            .randomElement(using: &random)!
        case 1: return String(Int64.random(in: .min ... .max, using: &random))
        case 2: return ["true", "false", "null"].randomElement(using: &random)!
        case 3: return "\"\(String(repeating: "5", count: Int.random(in: 0...200, using: &random)))\""
        case 4: return "\"0x" + (0..<Int.random(in: 0...80, using: &random)).map { _ in String(UInt8.random(in: 0...255, using: &random), radix: 16) }.joined() + "\""
        case 5: return "\"e" + String(repeating: "\\u0301", count: Int.random(in: 0...300, using: &random)) + "\""
        case 6: return ["\"\\u0000\"", "\"\\ud800\"", "\"\"", "\"0-0\"", "\"18446744073709551615-18446744073709551615\"", "\"AlphaDividendsPerSubnet\"",
                        "\"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\"", "\"tst_x\"", "\"0xffffffffffffffff\""].randomElement(using: &random)!
        case 7: return "\"" + String(repeating: "a", count: Int.random(in: 1000...20_000, using: &random)) + "\""
        case 8: return "\"\(name())\""
        case 9: return "[" + (0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
        default: return "{" + (0..<Int.random(in: 0...3, using: &random)).map { _ in "\"\(name())\":\(value(depth: depth + 1))" }.joined(separator: ",") + "}"
        }
    }

    public mutating func name() -> String {
        ["id", "type", "netuid", "hotkey", "kinds", "since", "token", "amount", "amount_rao", "idempotency_key", "command_id",
         "subscription", "limit_price", "jsonrpc", "method", "params", "x", "__proto__", ""].randomElement(using: &random)!
    }

    /// Bytes cut, flipped or inserted: invalid JSON, and often invalid UTF-8.
    public mutating func mangle(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        guard !bytes.isEmpty else { return [UInt8.random(in: 0...255, using: &random)] }
        switch Int.random(in: 0..<3, using: &random) {
        case 0: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case 1: bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
        }
        return bytes
    }

    /// A WebSocket client frame carrying `payload`, most of the time as a well-formed text frame,
    /// otherwise broken at the framing level: reserved opcodes and bits, unmasked, fragmented,
    /// control frames too long, binary.
    public mutating func frame(_ payload: [UInt8]) -> [UInt8] {
        switch Int.random(in: 0..<20, using: &random) {
        case 0: return RawHTTP.masked(UInt8.random(in: 3...7, using: &random), payload)
        case 1: return RawHTTP.masked(0x1, payload).enumerated().map { $0.offset == 0 ? $0.element | 0x40 : $0.element }
        case 2: return [0x81, UInt8(min(payload.count, 125))] + payload.prefix(125)
        case 3:
            let cut = payload.count / 2
            return RawHTTP.masked(0x1, Array(payload[..<cut]), fin: false) + RawHTTP.masked(0x9, Array(payload.prefix(4)))
                + RawHTTP.masked(0x0, Array(payload[cut...]))
        case 4: return RawHTTP.masked(0x9, Array(repeating: 0x61, count: Int.random(in: 0...200, using: &random)))
        case 5: return RawHTTP.masked(0x2, payload)
        case 6: return RawHTTP.masked(0x0, payload)
        default: return RawHTTP.masked(0x1, payload)
        }
    }
}
