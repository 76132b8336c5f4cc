import SubstrateCore
import Testing

@Suite struct SS58Tests {
    static let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    static let aliceKey = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"

    @Test func aliceRoundTrips() throws {
        let address = try SS58Address(Self.alice)
        #expect(address.prefix == 42)
        #expect(Hex.encode(address.publicKey) == Self.aliceKey)
        #expect(SS58Address(publicKey: hex(Self.aliceKey)).description == Self.alice)
        #expect(try AccountID(ss58: Self.alice).bytes == hex(Self.aliceKey))
    }

    @Test func otherNetworksUseOtherPrefixes() throws {
        // Polkadot (0) and Kusama (2) forms of Alice's key, and a two-byte prefix round trip.
        #expect(SS58Address(publicKey: hex(Self.aliceKey), prefix: 0).description == "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5")
        #expect(SS58Address(publicKey: hex(Self.aliceKey), prefix: 2).description == "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F")
        let wide = SS58Address(publicKey: hex(Self.aliceKey), prefix: 1337)
        let parsed = try SS58Address(wide.description)
        #expect(parsed.prefix == 1337 && parsed.publicKey == hex(Self.aliceKey))
        #expect(throws: SS58Error.wrongNetwork(expected: 42, found: 0)) {
            try AccountID(ss58: "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5")
        }
    }

    @Test func badAddressesSayWhatIsWrong() {
        #expect(throws: SS58Error.badChecksum) { try SS58Address("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ") }
        #expect(throws: SS58Error.badBase58(character: "0", position: 2)) { try SS58Address("50rwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY") }
        #expect(throws: SS58Error.badBase58(character: "τ", position: 3)) { try SS58Address("5Gτ") }
        let short = #expect(throws: SS58Error.self) { try SS58Address("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut") }
        if case .badLength = short {} else { Issue.record("expected badLength, got \(String(describing: short))") }
        #expect(throws: SS58Error.empty) { try SS58Address("") }
        let error = SS58Error.badChecksum
        #expect(error.description.contains("checksum"))
    }

    @Test func base58KeepsLeadingZeros() throws {
        #expect(Base58.encode([0, 0, 1]) == "112")
        #expect(try Base58.decode("112").get() == [0, 0, 1])
    }
}
