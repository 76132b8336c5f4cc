import SubstrateCore
import Testing
@testable import SubstrateKeys

@Suite("Keccak-f[1600]")
struct KeccakTests {
    @Test("permuting the all-zero state gives the reference first lanes")
    func zeroStatePermutation() {
        var state = KeccakState()
        state.permute()
        // KeccakF-1600-IntermediateValues.txt: state after one permutation of zero.
        #expect(state.lanes[0] == 0xF125_8F79_40E1_DDE7)
        #expect(state.lanes[1] == 0x84D5_CCF9_33C0_478A)
        #expect(state.lanes[24] == 0xEAF1_FF7B_5CEC_A249)
    }

    @Test("SHA3-256 built on the permutation matches FIPS 202 outputs", arguments: [
        ("", "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"),
        ("abc", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
        (String(repeating: "a", count: 135), "8094bb53c44cfb1e67b7c30447f9a1c33696d2463ecc1d9c92538913392843c9"),
        (String(repeating: "a", count: 136), "3fc5559f14db8e453a0a3091edbd2bc25e11528d81c66fa570a4efdcc2695ee1"),
    ])
    func sha3(message: String, digest: String) {
        var sponge = KeccakSponge.sha3_256()
        sponge.absorb(Array(message.utf8))
        #expect(Hex.encode(sponge.squeeze(count: 32)) == digest)
    }

    @Test("multi-block SHA3-256 and SHAKE128")
    func multiBlock() {
        var sponge = KeccakSponge.sha3_256()
        sponge.absorb((0..<256).map { UInt8($0) } + (0..<44).map { UInt8($0) })
        #expect(Hex.encode(sponge.squeeze(count: 32)) == "815c06bbeb8520ce61add33a5f47bc558bf00e6361a5640c972d5d4634c58101")

        let shake = KeccakSponge(rate: 168, domainPadding: 0x1F)
        #expect(Hex.encode(shake.squeeze(count: 32)) == "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26")
    }

    @Test("byte view is little-endian within lanes")
    func byteView() {
        var state = KeccakState()
        state[byte: 8] = 0xAB
        state[byte: 15] = 0xCD
        #expect(state.lanes[1] == 0xCD00_0000_0000_00AB)
        state.xor(byte: 8, 0xFF)
        #expect(state[byte: 8] == 0x54)
    }
}
