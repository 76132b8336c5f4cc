import SubstrateCore
import Testing

@Suite struct HasherTests {
    @Test func xxHash64KnownAnswers() {
        #expect(XXHash64.hash([UInt8](), seed: 0) == 0xEF46_DB37_51D8_E999)
        #expect(XXHash64.hash(Array("abc".utf8), seed: 0) == 0x44BC_2CF5_AD77_0999)
        // Long enough for the four-lane loop.
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8), seed: 0) == 0xFBCE_A83C_8A37_8BF1)
    }

    @Test func twoxMatchesKnownStorageKeys() {
        #expect(Hex.encode(Twox.hash128(Array("SubtensorModule".utf8))) == "658faa385070e074c85bf6b568cf0555")
        #expect(Hex.encode(Twox.hash128(Array("System".utf8)) + Twox.hash128(Array("Account".utf8)))
            == "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9")
        #expect(Hex.encode(Twox.hash128(Array("Sudo".utf8)) + Twox.hash128(Array("Key".utf8)))
            == "5c0d1176a568c1f92944340dbfed9e9c530ebca703c85910e7164cb7d1c9e47b")
        #expect(Twox.hash256([1, 2, 3]).prefix(16).elementsEqual(Twox.hash128([1, 2, 3])))
        #expect(Twox.hash64([1, 2, 3]).elementsEqual(Twox.hash128([1, 2, 3]).prefix(8)))
    }

    @Test func blake2bKnownAnswers() {
        #expect(Hex.encode(Blake2b.hash256([])) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        #expect(Hex.encode(Blake2b.hash512(Array("abc".utf8)))
            == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
        // RFC 7693 keyed test: key 00..3f, message empty (from the reference implementation's KAT).
        let key = (0..<64).map(UInt8.init)
        #expect(Hex.encode(Blake2b.hash([], size: 64, key: key))
            == "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568")
    }

    @Test func storageHashersOfAlice() {
        let alice = hex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
        #expect(Hex.encode(StorageHasher.blake2_128Concat.hash(alice)) == "de1e86a9a8c739864cf3cc5ec2bea59f" + Hex.encode(alice))
        #expect(StorageHasher.identity.hash(alice) == alice)
        #expect(StorageHasher.twox64Concat.hash(alice).suffix(32).elementsEqual(alice))
        #expect(StorageHasher.blake2_256.hash(alice) == Blake2b.hash256(alice))
    }
}
