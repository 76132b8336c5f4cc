import SubstrateCore
import Testing
@testable import SubstrateKeys

@Suite("Merlin transcripts")
struct MerlinTests {
    @Test("merlin's equivalence_simple vector")
    func simpleVector() {
        var t = MerlinTranscript(label: "test protocol")
        t.appendMessage(label: "some label", message: Array("some data".utf8))
        #expect(Hex.encode(t.challengeBytes(label: "challenge", count: 32))
            == "d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615")
    }

    @Test("complex transcript: messages that wrap the sponge, 32 rounds")
    func complexVector() {
        var t = MerlinTranscript(label: "test protocol")
        t.appendMessage(label: "step1", message: Array("some data".utf8))
        let data = [UInt8](repeating: 99, count: 1024)
        var challenge: [UInt8] = []
        for _ in 0..<32 {
            challenge = t.challengeBytes(label: "challenge", count: 32)
            t.appendMessage(label: "bigdata", message: data)
            t.appendMessage(label: "challengedata", message: challenge)
        }
        #expect(Hex.encode(challenge) == "a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c")
    }

    @Test("copies fork the transcript")
    func forking() {
        var a = MerlinTranscript(label: "p")
        var b = a
        a.appendMessage(label: "l", message: [1])
        b.appendMessage(label: "l", message: [1])
        var c = a
        #expect(a.challengeBytes(label: "c", count: 64) == b.challengeBytes(label: "c", count: 64))
        c.appendMessage(label: "l", message: [2])
        #expect(c.challengeBytes(label: "c", count: 16) != b.challengeBytes(label: "c", count: 16))
    }

    @Test("transcript RNG depends on witness and external randomness, deterministically")
    func transcriptRNG() {
        let t = MerlinTranscript(label: "rng test")
        let zero = [UInt8](repeating: 0, count: 32)
        let one = [UInt8](repeating: 1, count: 32)
        func draw(witness: [UInt8], random: [UInt8]) -> [UInt8] {
            var rng = t.buildRNG().rekey(label: Array("w".utf8), witness: witness).finalize(randomBytes: random)
            return rng.fillBytes(count: 64)
        }
        #expect(draw(witness: [1, 2, 3], random: zero) == draw(witness: [1, 2, 3], random: zero))
        #expect(draw(witness: [1, 2, 3], random: zero) != draw(witness: [1, 2, 4], random: zero))
        #expect(draw(witness: [1, 2, 3], random: zero) != draw(witness: [1, 2, 3], random: one))
        // Building an RNG must not disturb the transcript it was forked from.
        var u = t
        _ = draw(witness: [9], random: one)
        var v = MerlinTranscript(label: "rng test")
        #expect(u.challengeBytes(label: "x", count: 8) == v.challengeBytes(label: "x", count: 8))
    }
}
