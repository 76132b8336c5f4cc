/// Appends SCALE encodings to a byte buffer.
public struct ScaleEncoder: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func append(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// A fixed-width integer, little-endian.
    public mutating func encode<T: FixedWidthInteger>(_ value: T) {
        var value = value.littleEndian
        withUnsafeBytes(of: &value) { bytes.append(contentsOf: $0) }
    }

    public mutating func encode(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// A compact (variable-length) unsigned integer, in the shortest of its four modes.
    public mutating func encodeCompact<T: UnsignedInteger & FixedWidthInteger>(_ value: T) {
        if value < 1 << 6 {
            bytes.append(UInt8(value) << 2)
        } else if value < 1 << 14 {
            encode(UInt16(value) << 2 | 0b01)
        } else if value < 1 << 30 {
            encode(UInt32(value) << 2 | 0b10)
        } else {
            let wide = UInt128(value)
            let length = (wide.bitWidth - wide.leadingZeroBitCount + 7) / 8
            bytes.append(UInt8(length - 4) << 2 | 0b11)
            for index in 0..<length { bytes.append(UInt8(truncatingIfNeeded: wide >> (8 * index))) }
        }
    }

    /// A byte vector: compact length, then the bytes.
    public mutating func encodeBytes(_ value: some Collection<UInt8>) {
        encodeCompact(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func encode(_ value: String) { encodeBytes(Array(value.utf8)) }
}
