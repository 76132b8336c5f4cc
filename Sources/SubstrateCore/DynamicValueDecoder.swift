/// Decodes SCALE bytes of any registry type into a ``DynamicValue``.
public struct DynamicValueDecoder: Sendable {
    public let registry: TypeRegistry
    /// Render `AccountId32` as an SS58 string (prefix 42) instead of its 32 bytes, as people read them.
    public var accountIDsAsSS58: Bool

    /// Nesting deeper than this is refused, so a hostile type registry cannot exhaust the stack.
    static let maximumDepth = 128

    public init(registry: TypeRegistry, accountIDsAsSS58: Bool = true) {
        self.registry = registry
        self.accountIDsAsSS58 = accountIDsAsSS58
    }

    /// Decodes one whole value: leftover bytes are an error.
    public func decode(_ bytes: [UInt8], as type: UInt32) throws(DynamicValueError) -> DynamicValue {
        var decoder = ScaleDecoder(bytes)
        let value = try decode(&decoder, as: type)
        do { try decoder.finish() } catch { throw .scale(error) }
        return value
    }

    public func decode(_ decoder: inout ScaleDecoder, as type: UInt32) throws(DynamicValueError) -> DynamicValue {
        try decode(&decoder, type, depth: 0)
    }

    private func decode(_ decoder: inout ScaleDecoder, _ id: UInt32, depth: Int) throws(DynamicValueError) -> DynamicValue {
        guard depth < Self.maximumDepth else { throw .tooDeep }
        let type: PortableType
        do { type = try registry.type(id) } catch { throw .metadata(error) }
        do {
            switch type.definition {
            case .composite(let fields):
                if accountIDsAsSS58, type.path.last == "AccountId32", fields.count == 1 {
                    let bytes = Array(try decoder.readBytes(32))
                    return .string(SS58Address(publicKey: bytes).description)
                }
                return try fieldsValue(&decoder, fields, depth: depth)
            case .variant(let variants):
                let start = decoder.offset
                let index = try decoder.readByte()
                guard let variant = variants.first(where: { $0.index == index }) else {
                    throw DynamicValueError.scale(.unknownVariant(offset: start, index: index, type: registry.name(of: id)))
                }
                return .variant(name: variant.name, index: index, fields: try fieldsValue(&decoder, variant.fields, depth: depth))
            case .sequence(let element):
                if isByte(element) { return .bytes(try decoder.decodeByteVector()) }
                let count = try decoder.decodeLength(minimumSize: 0)
                var items: [DynamicValue] = []
                items.reserveCapacity(min(count, 4096))
                for _ in 0..<count { items.append(try decode(&decoder, element, depth: depth + 1)) }
                return .sequence(items)
            case .array(let length, let element):
                if isByte(element) { return .bytes(Array(try decoder.readBytes(Int(length)))) }
                guard Int(length) <= decoder.remaining || length <= 4096 else {
                    throw DynamicValueError.scale(.implausibleLength(offset: decoder.offset, length: UInt64(length)))
                }
                var items: [DynamicValue] = []
                for _ in 0..<length { items.append(try decode(&decoder, element, depth: depth + 1)) }
                return .sequence(items)
            case .tuple(let elements):
                var items: [DynamicValue] = []
                for element in elements { items.append(try decode(&decoder, element, depth: depth + 1)) }
                return .tuple(items)
            case .primitive(let primitive):
                return try primitiveValue(&decoder, primitive)
            case .compact:
                return .unsigned(try decoder.decodeCompact())
            case .bitSequence(let store, let order):
                return .bits(try bits(&decoder, store: store, order: order))
            }
        } catch let error as ScaleError {
            throw .scale(error)
        } catch let error as DynamicValueError {
            throw error
        } catch {
            throw .scale(.valueMismatch("\(error)"))
        }
    }

    private func fieldsValue(_ decoder: inout ScaleDecoder, _ fields: [Field], depth: Int) throws(DynamicValueError) -> DynamicValue {
        if !fields.isEmpty, fields.allSatisfy({ $0.name != nil }) {
            var named: [(String, DynamicValue)] = []
            named.reserveCapacity(fields.count)
            for field in fields { named.append((field.name!, try decode(&decoder, field.type, depth: depth + 1))) }
            return .composite(named)
        }
        var items: [DynamicValue] = []
        for field in fields { items.append(try decode(&decoder, field.type, depth: depth + 1)) }
        return .tuple(items)
    }

    func isByte(_ id: UInt32) -> Bool {
        if case .primitive(.u8)? = try? registry.type(id).definition { return true }
        return false
    }

    private func primitiveValue(_ decoder: inout ScaleDecoder, _ primitive: Primitive) throws(ScaleError) -> DynamicValue {
        switch primitive {
        case .bool: return .bool(try decoder.decodeBool())
        case .char:
            let start = decoder.offset
            guard let scalar = Unicode.Scalar(try decoder.decode(UInt32.self)) else { throw .invalidUTF8(offset: start) }
            return .char(scalar)
        case .str: return .string(try decoder.decodeString())
        case .u8: return .unsigned(UInt128(try decoder.decode(UInt8.self)))
        case .u16: return .unsigned(UInt128(try decoder.decode(UInt16.self)))
        case .u32: return .unsigned(UInt128(try decoder.decode(UInt32.self)))
        case .u64: return .unsigned(UInt128(try decoder.decode(UInt64.self)))
        case .u128: return .unsigned(try decoder.decode(UInt128.self))
        case .i8: return .signed(Int128(try decoder.decode(Int8.self)))
        case .i16: return .signed(Int128(try decoder.decode(Int16.self)))
        case .i32: return .signed(Int128(try decoder.decode(Int32.self)))
        case .i64: return .signed(Int128(try decoder.decode(Int64.self)))
        case .i128: return .signed(try decoder.decode(Int128.self))
        case .u256: return .wideInteger(Array(try decoder.readBytes(32)), signed: false)
        case .i256: return .wideInteger(Array(try decoder.readBytes(32)), signed: true)
        }
    }

    /// `BitVec<Store, Order>`: a compact bit count, then whole `Store` words.
    private func bits(_ decoder: inout ScaleDecoder, store: UInt32, order: UInt32) throws(DynamicValueError) -> [Bool] {
        guard case .primitive(let primitive)? = try? registry.type(store).definition, let wordSize = primitive.size else {
            throw .unsupported("a bit sequence stored in \(registry.name(of: store))")
        }
        let msbFirst = (try? registry.type(order).path.last) == "Msb0"
        do {
            let count = try decoder.decodeLength(minimumSize: 0)
            let wordBits = wordSize * 8
            let words = (count + wordBits - 1) / wordBits
            let raw = Array(try decoder.readBytes(words * wordSize))
            var result: [Bool] = []
            result.reserveCapacity(count)
            for bit in 0..<count {
                let word = bit / wordBits
                let inWord = msbFirst ? wordBits - 1 - bit % wordBits : bit % wordBits
                // Words are little-endian integers.
                let byte = raw[word * wordSize + inWord / 8]
                result.append(byte >> (inWord % 8) & 1 == 1)
            }
            return result
        } catch {
            throw .scale(error)
        }
    }
}

/// Why a dynamic value could not be decoded or encoded.
public enum DynamicValueError: Error, Equatable, CustomStringConvertible {
    case scale(ScaleError)
    case metadata(MetadataError)
    case mismatch(expected: String, found: String)
    case unsupported(String)
    case tooDeep

    public var description: String {
        switch self {
        case .scale(let error): "\(error)"
        case .metadata(let error): "\(error)"
        case .mismatch(let expected, let found): "expected \(expected), got \(found)"
        case .unsupported(let what): "\(what) is not supported"
        case .tooDeep: "the value nests more than \(DynamicValueDecoder.maximumDepth) levels deep"
        }
    }
}
