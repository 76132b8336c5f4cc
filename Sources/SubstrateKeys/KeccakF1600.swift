/// The Keccak-f[1600] permutation (FIPS 202, section 3), the core of STROBE and hence of Merlin.
///
/// The state is 25 little-endian 64-bit lanes; lane `x + 5*y` holds `A[x, y]`. Byte `i` of the
/// 200-byte state is byte `i % 8` of lane `i / 8`, which is how STROBE addresses it.
struct KeccakState: Sendable, Equatable {
    var lanes: [UInt64] = Array(repeating: 0, count: 25)

    init() {}

    init(lanes: [UInt64]) {
        precondition(lanes.count == 25, "Keccak-f[1600] has 25 lanes")
        self.lanes = lanes
    }

    /// Byte view of the state, as STROBE and the sponge construction see it.
    subscript(byte index: Int) -> UInt8 {
        get { UInt8(truncatingIfNeeded: lanes[index >> 3] >> UInt64((index & 7) << 3)) }
        set {
            let shift = UInt64((index & 7) << 3)
            lanes[index >> 3] = (lanes[index >> 3] & ~(0xFF << shift)) | (UInt64(newValue) << shift)
        }
    }

    /// XORs one byte into the state (absorbing).
    mutating func xor(byte index: Int, _ value: UInt8) {
        lanes[index >> 3] ^= UInt64(value) << UInt64((index & 7) << 3)
    }

    /// Overwrites the whole state with zeros (used when a secret-bearing state is discarded).
    mutating func wipe() {
        for i in 0..<25 { lanes[i] = 0 }
    }

    /// Applies the 24-round Keccak-f[1600] permutation in place.
    mutating func permute() {
        lanes.withUnsafeMutableBufferPointer { a in
            var c = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            var b = [UInt64](repeating: 0, count: 25)
            for round in 0..<24 {
                // θ: every lane gets the parity of two neighbouring columns.
                c.0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20]
                c.1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21]
                c.2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22]
                c.3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23]
                c.4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24]
                let d0 = c.4 ^ c.1.rotatedLeft(1)
                let d1 = c.0 ^ c.2.rotatedLeft(1)
                let d2 = c.1 ^ c.3.rotatedLeft(1)
                let d3 = c.2 ^ c.4.rotatedLeft(1)
                let d4 = c.3 ^ c.0.rotatedLeft(1)
                for y in stride(from: 0, to: 25, by: 5) {
                    a[y] ^= d0
                    a[y + 1] ^= d1
                    a[y + 2] ^= d2
                    a[y + 3] ^= d3
                    a[y + 4] ^= d4
                }
                // ρ and π: rotate each lane, then move A[x, y] to B[y, 2x + 3y].
                for x in 0..<5 {
                    for y in 0..<5 {
                        let source = x + 5 * y
                        let target = y + 5 * ((2 * x + 3 * y) % 5)
                        b[target] = a[source].rotatedLeft(Self.rotationOffsets[source])
                    }
                }
                // χ: the only non-linear step, row by row.
                for y in stride(from: 0, to: 25, by: 5) {
                    for x in 0..<5 {
                        a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5])
                    }
                }
                // ι: break the symmetry between rounds.
                a[0] ^= Self.roundConstants[round]
            }
        }
    }

    /// ρ offsets, indexed by `x + 5*y` (FIPS 202, table 2).
    static let rotationOffsets: [UInt64] = [
        0, 1, 62, 28, 27,
        36, 44, 6, 55, 20,
        3, 10, 43, 25, 39,
        41, 45, 15, 21, 8,
        18, 2, 61, 56, 14,
    ]

    /// ι round constants (FIPS 202, algorithm 5, precomputed).
    static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
        0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 {
        n == 0 ? self : (self << n) | (self >> (64 - n))
    }
}

/// A plain Keccak sponge, used only to check the permutation against SHA-3 (FIPS 202) vectors.
/// `domainPadding` is 0x06 for SHA-3 and 0x01 for the original Keccak submissions.
struct KeccakSponge: Sendable {
    private var state = KeccakState()
    private var position = 0
    let rate: Int
    let domainPadding: UInt8

    init(rate: Int, domainPadding: UInt8) {
        precondition(rate > 0 && rate < 200)
        self.rate = rate
        self.domainPadding = domainPadding
    }

    static func sha3_256() -> KeccakSponge { KeccakSponge(rate: 136, domainPadding: 0x06) }

    mutating func absorb(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            state.xor(byte: position, byte)
            position += 1
            if position == rate {
                state.permute()
                position = 0
            }
        }
    }

    consuming func squeeze(count: Int) -> [UInt8] {
        state.xor(byte: position, domainPadding)
        state.xor(byte: rate - 1, 0x80)
        state.permute()
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var offset = 0
        while output.count < count {
            if offset == rate {
                state.permute()
                offset = 0
            }
            output.append(state[byte: offset])
            offset += 1
        }
        return output
    }
}
