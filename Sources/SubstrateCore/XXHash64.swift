/// xxHash64, the hash behind Substrate's Twox hashers (not cryptographic: for keys the runtime
/// controls, like pallet and item names).
public enum XXHash64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    public static func hash(_ input: some Collection<UInt8>, seed: UInt64 = 0) -> UInt64 {
        let bytes = Array(input)
        return bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    public static func hash(_ data: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let length = data.count
        var index = 0
        var hash: UInt64
        if length >= 32 {
            var v1 = seed &+ prime1 &+ prime2
            var v2 = seed &+ prime2
            var v3 = seed
            var v4 = seed &- prime1
            while index + 32 <= length {
                v1 = round(v1, lane(data, index))
                v2 = round(v2, lane(data, index + 8))
                v3 = round(v3, lane(data, index + 16))
                v4 = round(v4, lane(data, index + 24))
                index += 32
            }
            hash = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            hash = merge(hash, v1)
            hash = merge(hash, v2)
            hash = merge(hash, v3)
            hash = merge(hash, v4)
        } else {
            hash = seed &+ prime5
        }
        hash &+= UInt64(length)
        while index + 8 <= length {
            hash ^= round(0, lane(data, index))
            hash = rotl(hash, 27) &* prime1 &+ prime4
            index += 8
        }
        if index + 4 <= length {
            hash ^= UInt64(data.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian) &* prime1
            hash = rotl(hash, 23) &* prime2 &+ prime3
            index += 4
        }
        while index < length {
            hash ^= UInt64(data[index]) &* prime5
            hash = rotl(hash, 11) &* prime1
            index += 1
        }
        hash ^= hash >> 33
        hash &*= prime2
        hash ^= hash >> 29
        hash &*= prime3
        hash ^= hash >> 32
        return hash
    }

    @inline(__always) private static func lane(_ data: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        data.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    @inline(__always) private static func rotl(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        value << bits | value >> (64 - bits)
    }

    @inline(__always) private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotl(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always) private static func merge(_ hash: UInt64, _ value: UInt64) -> UInt64 {
        (hash ^ round(0, value)) &* prime1 &+ prime4
    }
}

/// Substrate's Twox hashers: xxHash64 with seeds 0, 1, … concatenated little-endian.
public enum Twox {
    public static func hash(_ input: some Collection<UInt8>, bits: Int) -> [UInt8] {
        let bytes = Array(input)
        var out: [UInt8] = []
        out.reserveCapacity(bits / 8)
        bytes.withUnsafeBytes { raw in
            for seed in 0..<UInt64(bits / 64) {
                let value = XXHash64.hash(raw, seed: seed)
                for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
            }
        }
        return out
    }

    public static func hash64(_ input: some Collection<UInt8>) -> [UInt8] { hash(input, bits: 64) }
    public static func hash128(_ input: some Collection<UInt8>) -> [UInt8] { hash(input, bits: 128) }
    public static func hash256(_ input: some Collection<UInt8>) -> [UInt8] { hash(input, bits: 256) }
}
