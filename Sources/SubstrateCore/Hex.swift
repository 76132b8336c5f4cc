/// Lowercase hexadecimal, the way Substrate's JSON-RPC writes bytes (`0x…`).
public enum Hex {
    public struct InvalidHex: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex, with `0x` in front when `prefixed`.
    public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes, prefixed: Bool = false) -> String {
        var out: [UInt8] = prefixed ? [48, 120] : []
        out.reserveCapacity(out.count + bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a hex string, with or without `0x`, in either case.
    public static func decode(_ text: some StringProtocol) throws(InvalidHex) -> [UInt8] {
        var utf8 = Array(text.utf8)
        if utf8.count >= 2, utf8[0] == 48, utf8[1] | 0x20 == 120 { utf8.removeFirst(2) }
        guard utf8.count % 2 == 0 else {
            throw InvalidHex(description: "hex text has an odd number of digits (\(utf8.count)); every byte takes two")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else {
                let bad = value(utf8[index]) == nil ? utf8[index] : utf8[index + 1]
                throw InvalidHex(description: "'\(Character(Unicode.Scalar(bad)))' is not a hex digit")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    @inline(__always)
    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 48...57: digit - 48
        case 97...102: digit - 87
        case 65...70: digit - 55
        default: nil
        }
    }
}
