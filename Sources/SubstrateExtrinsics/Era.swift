import SubstrateCore

/// A transaction's validity window: immortal, or mortal for `period` blocks from its birth block.
public enum Era: Sendable, Equatable {
    case immortal
    /// `period` is a power of two from 4 to 65536; `phase` is the birth block modulo the period.
    case mortal(period: UInt64, phase: UInt64)

    /// A mortal era starting at block `current`, as the SDKs build it (period rounded up to a
    /// power of two and clamped to 4…65536).
    public init(period requested: UInt64, current: UInt64) {
        let period = min(max(Self.nextPowerOfTwo(requested), 4), 1 << 16)
        let quantize = max(period >> 12, 1)
        let phase = current % period / quantize * quantize
        self = .mortal(period: period, phase: phase)
    }

    /// The block the era starts at, whose hash is signed (CheckMortality's implicit data).
    public func birth(current: UInt64) -> UInt64 {
        switch self {
        case .immortal: return 0
        case .mortal(let period, let phase): return (max(current, phase) - phase) / period * period + phase
        }
    }

    public var encoded: [UInt8] {
        switch self {
        case .immortal:
            return [0]
        case .mortal(let period, let phase):
            let quantize = max(period >> 12, 1)
            let low = UInt16(min(15, max(1, period.trailingZeroBitCount - 1)))
            let value = low | UInt16(phase / quantize) << 4
            return [UInt8(value & 0xff), UInt8(value >> 8)]
        }
    }

    /// Reads an era (what the DevChain needs to check a submitted extrinsic).
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) {
        let first = try decoder.readByte()
        if first == 0 {
            self = .immortal
            return
        }
        let value = UInt16(first) | UInt16(try decoder.readByte()) << 8
        let period = UInt64(2) << (value % 16)
        let quantize = max(period >> 12, 1)
        let phase = UInt64(value >> 4) * quantize
        guard period >= 4, phase < period else { throw .valueMismatch("invalid mortal era \(value)") }
        self = .mortal(period: period, phase: phase)
    }

    private static func nextPowerOfTwo(_ value: UInt64) -> UInt64 {
        value <= 1 ? 1 : 1 << (64 - (value - 1).leadingZeroBitCount)
    }
}
