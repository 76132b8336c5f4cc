extension DynamicValue {
    /// JSON text for the value. Integers are exact (never through a Double); bytes are `0x` hex;
    /// unit variants are their name, others `{"Name": fields}`.
    public var jsonText: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .bool(let flag): out += flag ? "true" : "false"
        case .unsigned(let number): out += String(number)
        case .signed(let number): out += String(number)
        case .wideInteger(let bytes, _): Self.writeString(Hex.encode(bytes.reversed(), prefixed: true), to: &out)
        case .char(let scalar): Self.writeString(String(Character(scalar)), to: &out)
        case .string(let text): Self.writeString(text, to: &out)
        case .bytes(let bytes): Self.writeString(Hex.encode(bytes, prefixed: true), to: &out)
        case .sequence(let items), .tuple(let items):
            if case .tuple = self, items.count == 1 {
                items[0].write(to: &out)
                return
            }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .composite(let fields):
            out += "{"
            for (index, (name, item)) in fields.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(name, to: &out)
                out += ":"
                item.write(to: &out)
            }
            out += "}"
        case .variant(let name, _, let fields):
            if case .tuple(let items) = fields, items.isEmpty {
                Self.writeString(name, to: &out)
            } else {
                out += "{"
                Self.writeString(name, to: &out)
                out += ":"
                fields.write(to: &out)
                out += "}"
            }
        case .bits(let bits):
            out += "[" + bits.map { $0 ? "true" : "false" }.joined(separator: ",") + "]"
        }
    }

    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
