/// SplitMix64: the DevChain's only source of randomness, so a seed fixes the whole world.
struct DeterministicRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64, _ salts: UInt64...) {
        var state = seed
        for salt in salts { state = Self.mix(state ^ Self.mix(salt &+ 0x9E37_79B9_7F4A_7C15)) }
        self.state = state
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
