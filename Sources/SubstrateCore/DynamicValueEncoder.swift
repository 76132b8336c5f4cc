/// Encodes a ``DynamicValue`` as a registry type, accepting the forms people write: an SS58
/// string or hex for an account id, a bare value for a newtype, a variant's name for a unit variant.
public struct DynamicValueEncoder: Sendable {
    public let registry: TypeRegistry

    public init(registry: TypeRegistry) { self.registry = registry }

    public func encode(_ value: DynamicValue, as type: UInt32) throws(DynamicValueError) -> [UInt8] {
        var encoder = ScaleEncoder()
        try encode(value, type, into: &encoder, depth: 0)
        return encoder.bytes
    }

    public func encode(_ value: DynamicValue, as type: UInt32, into encoder: inout ScaleEncoder) throws(DynamicValueError) {
        try encode(value, type, into: &encoder, depth: 0)
    }

    private func encode(_ value: DynamicValue, _ id: UInt32, into encoder: inout ScaleEncoder, depth: Int) throws(DynamicValueError) {
        guard depth < DynamicValueDecoder.maximumDepth else { throw .tooDeep }
        let type: PortableType
        do { type = try registry.type(id) } catch { throw .metadata(error) }
        let name = registry.name(of: id)
        switch type.definition {
        case .composite(let fields):
            try encodeFields(value, fields, typeName: name, into: &encoder, depth: depth)
        case .variant(let variants):
            let (variantName, fields): (String, DynamicValue) = switch value {
            case .variant(let name, _, let fields): (name, fields)
            case .string(let name): (name, .tuple([]))
            default: throw .mismatch(expected: "a variant of \(name)", found: "\(value)")
            }
            guard let variant = variants.first(where: { $0.name == variantName }) else {
                throw .mismatch(expected: "one of \(variants.map(\.name)) for \(name)", found: variantName)
            }
            encoder.append([variant.index])
            try encodeFields(fields, variant.fields, typeName: "\(name)::\(variantName)", into: &encoder, depth: depth)
        case .sequence(let element):
            if case .bytes(let bytes) = value, isByte(element) {
                encoder.encodeBytes(bytes)
            } else if case .string(let text) = value, isByte(element), text.hasPrefix("0x"), let bytes = try? Hex.decode(text) {
                encoder.encodeBytes(bytes)
            } else if case .sequence(let items) = value {
                encoder.encodeCompact(UInt64(items.count))
                for item in items { try encode(item, element, into: &encoder, depth: depth + 1) }
            } else {
                throw .mismatch(expected: name, found: "\(value)")
            }
        case .array(let length, let element):
            if isByte(element), let bytes = byteArray(value, length: Int(length)) {
                encoder.append(bytes)
            } else if case .sequence(let items) = value, items.count == Int(length) {
                for item in items { try encode(item, element, into: &encoder, depth: depth + 1) }
            } else {
                throw .mismatch(expected: "\(name) (\(length) elements)", found: "\(value)")
            }
        case .tuple(let elements):
            let items: [DynamicValue] = switch value {
            case .tuple(let items), .sequence(let items): items
            default: elements.count == 1 ? [value] : []
            }
            guard items.count == elements.count else { throw .mismatch(expected: "\(name) (\(elements.count) elements)", found: "\(value)") }
            for (item, element) in zip(items, elements) { try encode(item, element, into: &encoder, depth: depth + 1) }
        case .primitive(let primitive):
            try encodePrimitive(value, primitive, into: &encoder)
        case .compact:
            guard let number = value.unsignedValue else { throw .mismatch(expected: name, found: "\(value)") }
            encoder.encodeCompact(number)
        case .bitSequence(let store, let order):
            guard case .bits(let bits) = value else { throw .mismatch(expected: name, found: "\(value)") }
            guard case .primitive(let primitive)? = try? registry.type(store).definition, let wordSize = primitive.size else {
                throw .unsupported("a bit sequence stored in \(registry.name(of: store))")
            }
            let msbFirst = (try? registry.type(order).path.last) == "Msb0"
            let wordBits = wordSize * 8
            var raw = [UInt8](repeating: 0, count: (bits.count + wordBits - 1) / wordBits * wordSize)
            for (bit, set) in bits.enumerated() where set {
                let inWord = msbFirst ? wordBits - 1 - bit % wordBits : bit % wordBits
                raw[bit / wordBits * wordSize + inWord / 8] |= 1 << (inWord % 8)
            }
            encoder.encodeCompact(UInt64(bits.count))
            encoder.append(raw)
        }
    }

    private func encodeFields(_ value: DynamicValue, _ fields: [Field], typeName: String, into encoder: inout ScaleEncoder, depth: Int) throws(DynamicValueError) {
        switch value {
        case .composite(let named) where fields.allSatisfy({ $0.name != nil }):
            for field in fields {
                guard let item = named.first(where: { $0.0 == field.name })?.1 else {
                    throw .mismatch(expected: "field '\(field.name!)' of \(typeName)", found: "fields \(named.map(\.0))")
                }
                try encode(item, field.type, into: &encoder, depth: depth + 1)
            }
        case .tuple(let items) where items.count == fields.count, .sequence(let items) where items.count == fields.count && fields.count != 1:
            for (item, field) in zip(items, fields) { try encode(item, field.type, into: &encoder, depth: depth + 1) }
        default:
            // A newtype given its inner value directly.
            guard fields.count == 1 else { throw .mismatch(expected: "\(fields.count) fields of \(typeName)", found: "\(value)") }
            try encode(value, fields[0].type, into: &encoder, depth: depth + 1)
        }
    }

    private func encodePrimitive(_ value: DynamicValue, _ primitive: Primitive, into encoder: inout ScaleEncoder) throws(DynamicValueError) {
        func unsigned<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(DynamicValueError) -> T {
            let number: UInt128? = switch value {
            case .unsigned(let number): number
            case .signed(let number) where number >= 0: UInt128(number)
            default: value.unsignedValue
            }
            guard let number, let narrowed = T(exactly: number) else { throw .mismatch(expected: "\(primitive)", found: "\(value)") }
            return narrowed
        }
        func signed<T: FixedWidthInteger & SignedInteger>(_: T.Type) throws(DynamicValueError) -> T {
            let number: Int128? = switch value {
            case .signed(let number): number
            case .unsigned(let number): Int128(exactly: number)
            default: nil
            }
            guard let number, let narrowed = T(exactly: number) else { throw .mismatch(expected: "\(primitive)", found: "\(value)") }
            return narrowed
        }
        switch primitive {
        case .bool:
            guard case .bool(let flag) = value else { throw .mismatch(expected: "bool", found: "\(value)") }
            encoder.encode(flag)
        case .char:
            guard case .char(let scalar) = value else { throw .mismatch(expected: "char", found: "\(value)") }
            encoder.encode(scalar.value)
        case .str:
            guard case .string(let text) = value else { throw .mismatch(expected: "str", found: "\(value)") }
            encoder.encode(text)
        case .u8: encoder.encode(try unsigned(UInt8.self))
        case .u16: encoder.encode(try unsigned(UInt16.self))
        case .u32: encoder.encode(try unsigned(UInt32.self))
        case .u64: encoder.encode(try unsigned(UInt64.self))
        case .u128: encoder.encode(try unsigned(UInt128.self))
        case .i8: encoder.encode(try signed(Int8.self))
        case .i16: encoder.encode(try signed(Int16.self))
        case .i32: encoder.encode(try signed(Int32.self))
        case .i64: encoder.encode(try signed(Int64.self))
        case .i128: encoder.encode(try signed(Int128.self))
        case .u256, .i256:
            switch value {
            case .wideInteger(let bytes, _) where bytes.count == 32: encoder.append(bytes)
            case .unsigned(let number):
                encoder.encode(number)
                encoder.append([UInt8](repeating: 0, count: 16))
            default: throw .mismatch(expected: "\(primitive)", found: "\(value)")
            }
        }
    }

    private func isByte(_ id: UInt32) -> Bool {
        if case .primitive(.u8)? = try? registry.type(id).definition { return true }
        return false
    }

    /// Bytes given as bytes, `0x` hex, or (for 32 bytes) an SS58 address.
    private func byteArray(_ value: DynamicValue, length: Int) -> [UInt8]? {
        switch value {
        case .bytes(let bytes) where bytes.count == length:
            return bytes
        case .string(let text):
            if text.hasPrefix("0x"), let bytes = try? Hex.decode(text), bytes.count == length { return bytes }
            if length == 32, let address = try? SS58Address(text), address.publicKey.count == 32 { return address.publicKey }
            return nil
        case .tuple(let items) where items.count == 1:
            return byteArray(items[0], length: length)
        default:
            return nil
        }
    }
}
