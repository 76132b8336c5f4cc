/// The subset of STROBE v1.0.2 at the 128-bit security level that Merlin uses:
/// `meta-AD`, `AD`, `PRF` and `KEY` (no transport operations, so no `T` flag and no direction).
///
/// Semantics follow the STROBE specification (strobe.sourceforge.io): a Keccak-f[1600] duplex with
/// rate R = 166 bytes (200 − 2·128/8 − 2); each operation begins by absorbing the previous
/// operation's start position and the operation's flags, and operations with the C or K flag
/// force a permutation first so their output depends on everything absorbed so far.
struct Strobe128: Sendable {
    private static let rate = 166

    private struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let inbound = Flags(rawValue: 1 << 0)  // I
        static let application = Flags(rawValue: 1 << 1)  // A
        static let cipher = Flags(rawValue: 1 << 2)  // C
        static let transport = Flags(rawValue: 1 << 3)  // T (unsupported here)
        static let meta = Flags(rawValue: 1 << 4)  // M
        static let keytree = Flags(rawValue: 1 << 5)  // K
    }

    private var state: KeccakState
    private var position = 0
    private var positionBegin = 0
    private var currentFlags: Flags = []

    /// Initialises the duplex for `protocolLabel` (Merlin passes "Merlin v1.0").
    init(protocolLabel: [UInt8]) {
        // The initial block is [1, R + 2, 1, 0, 1, 12·8] ‖ "STROBEv1.0.2", permuted once.
        var initial = KeccakState()
        let header: [UInt8] = [1, UInt8(Self.rate + 2), 1, 0, 1, 96] + Array("STROBEv1.0.2".utf8)
        for (i, byte) in header.enumerated() { initial[byte: i] = byte }
        initial.permute()
        state = initial
        metaAD(protocolLabel, more: false)
    }

    mutating func metaAD(_ data: [UInt8], more: Bool) {
        beginOperation([.meta, .application], more: more)
        absorb(data)
    }

    mutating func ad(_ data: [UInt8], more: Bool) {
        beginOperation([.application], more: more)
        absorb(data)
    }

    mutating func prf(count: Int, more: Bool) -> [UInt8] {
        beginOperation([.inbound, .application, .cipher], more: more)
        return squeeze(count: count)
    }

    mutating func key(_ data: [UInt8], more: Bool) {
        beginOperation([.application, .cipher], more: more)
        overwrite(data)
    }

    /// Zeroes the duplex state; for transcripts that held secret witness material.
    mutating func wipe() {
        state.wipe()
        position = 0
        positionBegin = 0
    }

    // MARK: - Duplex internals

    private mutating func runF() {
        state.xor(byte: position, UInt8(positionBegin))
        state.xor(byte: position + 1, 0x04)
        state.xor(byte: Self.rate + 1, 0x80)
        state.permute()
        position = 0
        positionBegin = 0
    }

    private mutating func absorb(_ data: [UInt8]) {
        for byte in data {
            state.xor(byte: position, byte)
            position += 1
            if position == Self.rate { runF() }
        }
    }

    private mutating func overwrite(_ data: [UInt8]) {
        for byte in data {
            state[byte: position] = byte
            position += 1
            if position == Self.rate { runF() }
        }
    }

    private mutating func squeeze(count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            out[i] = state[byte: position]
            state[byte: position] = 0
            position += 1
            if position == Self.rate { runF() }
        }
        return out
    }

    private mutating func beginOperation(_ flags: Flags, more: Bool) {
        if more {
            // Continuing an operation is only meaningful with the same flags; anything else is a
            // programming error in this module, never caused by input data.
            precondition(currentFlags == flags, "STROBE: continued an operation with different flags")
            return
        }
        precondition(!flags.contains(.transport), "STROBE: transport operations are not supported")
        let oldBegin = positionBegin
        positionBegin = position + 1
        currentFlags = flags
        absorb([UInt8(oldBegin), flags.rawValue])
        if !flags.intersection([.cipher, .keytree]).isEmpty && position != 0 {
            runF()
        }
    }
}
