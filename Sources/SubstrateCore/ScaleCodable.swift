/// A type with a SCALE encoding.
public protocol ScaleEncodable {
    func encode(to encoder: inout ScaleEncoder)
}

/// A type that can be read from SCALE.
public protocol ScaleDecodable {
    init(from decoder: inout ScaleDecoder) throws(ScaleError)
}

public typealias ScaleCodable = ScaleEncodable & ScaleDecodable

extension ScaleEncodable {
    /// This value's SCALE bytes.
    public var scaleEncoded: [UInt8] {
        var encoder = ScaleEncoder()
        encode(to: &encoder)
        return encoder.bytes
    }
}

extension ScaleDecodable {
    /// Decodes a whole value: leftover bytes are an error.
    public init(scaleEncoded bytes: [UInt8]) throws(ScaleError) {
        var decoder = ScaleDecoder(bytes)
        self = try Self(from: &decoder)
        try decoder.finish()
    }
}

extension UInt8: ScaleCodable {}
extension UInt16: ScaleCodable {}
extension UInt32: ScaleCodable {}
extension UInt64: ScaleCodable {}
extension UInt128: ScaleCodable {}
extension Int8: ScaleCodable {}
extension Int16: ScaleCodable {}
extension Int32: ScaleCodable {}
extension Int64: ScaleCodable {}
extension Int128: ScaleCodable {}

extension FixedWidthInteger where Self: ScaleEncodable {
    public func encode(to encoder: inout ScaleEncoder) { encoder.encode(self) }
}

extension FixedWidthInteger where Self: ScaleDecodable {
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) { self = try decoder.decode(Self.self) }
}

extension Bool: ScaleCodable {
    public func encode(to encoder: inout ScaleEncoder) { encoder.encode(self) }
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) { self = try decoder.decodeBool() }
}

extension String: ScaleCodable {
    public func encode(to encoder: inout ScaleEncoder) { encoder.encode(self) }
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) { self = try decoder.decodeString() }
}

extension Optional: ScaleEncodable where Wrapped: ScaleEncodable {
    public func encode(to encoder: inout ScaleEncoder) {
        switch self {
        case .none: encoder.append([0])
        case .some(let value):
            encoder.append([1])
            value.encode(to: &encoder)
        }
    }
}

extension Optional: ScaleDecodable where Wrapped: ScaleDecodable {
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) {
        self = try decoder.decodeOptionTag() ? try Wrapped(from: &decoder) : nil
    }
}

extension Array: ScaleEncodable where Element: ScaleEncodable {
    public func encode(to encoder: inout ScaleEncoder) {
        encoder.encodeCompact(UInt64(count))
        for element in self { element.encode(to: &encoder) }
    }
}

extension Array: ScaleDecodable where Element: ScaleDecodable {
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) {
        let count = try decoder.decodeLength(minimumSize: 0)
        self = []
        reserveCapacity(Swift.min(count, 1 << 16))
        for _ in 0..<count { append(try Element(from: &decoder)) }
    }
}

extension Result: ScaleEncodable where Success: ScaleEncodable, Failure: ScaleEncodable {
    public func encode(to encoder: inout ScaleEncoder) {
        switch self {
        case .success(let value):
            encoder.append([0])
            value.encode(to: &encoder)
        case .failure(let error):
            encoder.append([1])
            error.encode(to: &encoder)
        }
    }
}

extension Result: ScaleDecodable where Success: ScaleDecodable, Failure: ScaleDecodable {
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) {
        let start = decoder.offset
        switch try decoder.readByte() {
        case 0: self = .success(try Success(from: &decoder))
        case 1: self = .failure(try Failure(from: &decoder))
        case let other: throw .invalidTag(offset: start, value: other, what: "Result tag (0 or 1)")
        }
    }
}

/// A compact-encoded unsigned integer (`Compact<T>` in Rust).
public struct Compact<Value: UnsignedInteger & FixedWidthInteger & Sendable>: ScaleCodable, Hashable, Sendable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
    public func encode(to encoder: inout ScaleEncoder) { encoder.encodeCompact(value) }
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) { value = try decoder.decodeCompact(as: Value.self) }
}
