import SubstrateCore
import TestHarness
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

    /// Fixed vectors only pin a few inputs; this sweeps the lengths where the algorithms change
    /// path (xxHash64's 4/8-byte tails and 32-byte stripes, BLAKE2b's 128-byte blocks, keys and
    /// digest sizes) and asks the SDK's hashers (`xxhash`, `hashlib`) for every one, in one batch.
    @Test func everyHasherMatchesTheSDKAcrossBlockBoundaries() throws {
        var random = SeededGenerator(seed: 0x7a0_5eed)
        func randomBytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let lengths = [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000]
        let inputs: [[UInt8]] = lengths.map { randomBytes($0) }
        // BLAKE2b digest sizes and keys: unkeyed, 1 byte, 17, 32 and the 64-byte maximum.
        let keyed: [(size: Int, key: [UInt8])] = [
            (16, []), (20, randomBytes(1)), (32, randomBytes(32)), (32, randomBytes(17)), (48, []), (64, []), (64, randomBytes(64)),
        ]
        let named: [(cmd: String, ours: ([UInt8]) -> [UInt8])] = [
            ("twox64", { Twox.hash64($0) }),
            ("twox128", { Twox.hash128($0) }),
            ("twox256", { Twox.hash256($0) }),
            ("twox64_concat", { StorageHasher.twox64Concat.hash($0) }),
            ("blake2_128", { Blake2b.hash128($0) }),
            ("blake2_256", { Blake2b.hash256($0) }),
            ("blake2_128_concat", { StorageHasher.blake2_128Concat.hash($0) }),
            // The storage hashers without a key of their own must agree with the plain ones above.
            ("twox128", { StorageHasher.twox128.hash($0) }),
            ("twox256", { StorageHasher.twox256.hash($0) }),
            ("blake2_128", { StorageHasher.blake2_128.hash($0) }),
            ("blake2_256", { StorageHasher.blake2_256.hash($0) }),
            ("blake2b", { Blake2b.hash512($0) }),  // completed with "size": 64 below
        ]
        var requests: [[String: Any]] = []
        var expected: [(label: String, hash: String)] = []
        for input in inputs {
            for hasher in named {
                var request: [String: Any] = ["cmd": hasher.cmd, "data": Hex.encode(input)]
                if hasher.cmd == "blake2b" { request["size"] = 64 }
                requests.append(request)
                expected.append(("\(hasher.cmd) of \(input.count) bytes", Hex.encode(hasher.ours(input))))
            }
            for (size, key) in keyed {
                requests.append(["cmd": "blake2b", "data": Hex.encode(input), "size": size, "key": Hex.encode(key)])
                expected.append(("blake2b-\(size * 8) key \(key.count) bytes of \(input.count) bytes", Hex.encode(Blake2b.hash(input, size: size, key: key))))
            }
        }
        let answers = try ReferenceOracle.run(requests)
        try #require(answers.count == expected.count)
        for (answer, expectation) in zip(answers, expected) {
            #expect(answer.string == expectation.hash, "\(expectation.label): \(answer)")
        }
    }

    @Test func storageHashersOfAlice() {
        let alice = hex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
        #expect(Hex.encode(StorageHasher.blake2_128Concat.hash(alice)) == "de1e86a9a8c739864cf3cc5ec2bea59f" + Hex.encode(alice))
        #expect(StorageHasher.identity.hash(alice) == alice)
        #expect(StorageHasher.twox64Concat.hash(alice).suffix(32).elementsEqual(alice))
        #expect(StorageHasher.blake2_256.hash(alice) == Blake2b.hash256(alice))
    }
}
