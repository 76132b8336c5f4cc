/// The position of a change in the change log: the block it was observed in, then its order
/// within that block. Written `<block>-<sequence>`, which is also the change's Redis stream id, so
/// offsets compare the same way everywhere and a re-processed block cannot append twice.
public struct StreamOffset: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public var block: UInt64
    public var sequence: UInt64

    public init(block: UInt64, sequence: UInt64) {
        self.block = block
        self.sequence = sequence
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let block = UInt64(parts[0]), let sequence = UInt64(parts[1]) else { return nil }
        self.init(block: block, sequence: sequence)
    }

    public var description: String { "\(block)-\(sequence)" }

    public static func < (lhs: StreamOffset, rhs: StreamOffset) -> Bool {
        (lhs.block, lhs.sequence) < (rhs.block, rhs.sequence)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let offset = StreamOffset(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an offset like 4812345-0")
        }
        self = offset
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
