/// Reads SCALE values from bytes, strictly: truncation, non-canonical compacts and invalid tags
/// are errors, never crashes.
public struct ScaleDecoder: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    /// Fails unless every byte was read.
    public func finish() throws(ScaleError) {
        if offset != bytes.count { throw .trailingBytes(offset: offset, count: bytes.count - offset) }
    }

    @inline(__always)
    private func need(_ count: Int) throws(ScaleError) {
        if count > bytes.count - offset { throw .truncated(offset: offset, needed: count - (bytes.count - offset)) }
    }

    public mutating func readByte() throws(ScaleError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readBytes(_ count: Int) throws(ScaleError) -> ArraySlice<UInt8> {
        try need(count)
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    public mutating func skip(_ count: Int) throws(ScaleError) {
        try need(count)
        offset += count
    }

    /// A fixed-width integer, little-endian.
    public mutating func decode<T: FixedWidthInteger>(_: T.Type = T.self) throws(ScaleError) -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        var value = T.zero
        for index in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + index]) << (8 * index) }
        offset += size
        return value
    }

    public mutating func decodeBool() throws(ScaleError) -> Bool {
        let start = offset
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let other: throw .invalidTag(offset: start, value: other, what: "bool (0 or 1)")
        }
    }

    /// An Option tag: false for None, true for Some.
    public mutating func decodeOptionTag() throws(ScaleError) -> Bool {
        let start = offset
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let other: throw .invalidTag(offset: start, value: other, what: "Option tag (0 or 1)")
        }
    }

    /// A compact unsigned integer of up to 128 bits, in its one canonical form.
    public mutating func decodeCompact() throws(ScaleError) -> UInt128 {
        let start = offset
        let first = try readByte()
        switch first & 0b11 {
        case 0b00:
            return UInt128(first >> 2)
        case 0b01:
            let second = try readByte()
            let value = (UInt16(second) << 8 | UInt16(first)) >> 2
            if value < 1 << 6 { throw .nonCanonicalCompact(offset: start) }
            return UInt128(value)
        case 0b10:
            offset = start
            let value = try decode(UInt32.self) >> 2
            if value < 1 << 14 { throw .nonCanonicalCompact(offset: start) }
            return UInt128(value)
        default:
            let length = Int(first >> 2) + 4
            guard length <= 16 else { throw .compactOverflow(offset: start, bits: 128) }
            try need(length)
            var value = UInt128.zero
            for index in 0..<length { value |= UInt128(bytes[offset + index]) << (8 * index) }
            offset += length
            // The top byte must be non-zero, and the value must need this mode at all.
            if bytes[offset - 1] == 0 || value < 1 << 30 { throw .nonCanonicalCompact(offset: start) }
            return value
        }
    }

    /// A compact integer that must fit `T`.
    public mutating func decodeCompact<T: FixedWidthInteger & UnsignedInteger>(as _: T.Type) throws(ScaleError) -> T {
        let start = offset
        let value = try decodeCompact()
        guard let narrowed = T(exactly: value) else { throw .compactOverflow(offset: start, bits: T.bitWidth) }
        return narrowed
    }

    /// A compact length, checked against what is left (each element takes at least `minimumSize` bytes).
    public mutating func decodeLength(minimumSize: Int = 1) throws(ScaleError) -> Int {
        let start = offset
        let length = try decodeCompact()
        guard length <= UInt128(remaining / max(1, minimumSize)) || (minimumSize == 0 && length <= 1 << 24) else {
            throw .implausibleLength(offset: start, length: UInt64(clamping: length))
        }
        return Int(length)
    }

    public mutating func decodeByteVector() throws(ScaleError) -> [UInt8] {
        Array(try readBytes(try decodeLength()))
    }

    public mutating func decodeString() throws(ScaleError) -> String {
        let start = offset
        let raw = try readBytes(try decodeLength())
        guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
        return text
    }
}
