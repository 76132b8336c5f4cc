/// Merlin transcripts (merlin.cool, crate `merlin` 2/3): a STROBE-128 duplex with labelled
/// messages, used by schnorrkel for the Fiat–Shamir challenge and for witness (nonce) derivation.
///
/// A transcript is a value: copying it forks the protocol state, which is exactly what
/// schnorrkel's `SigningContext` does when it clones its base transcript per message.
struct MerlinTranscript: Sendable {
    private var strobe: Strobe128

    /// `Transcript::new(label)`: STROBE initialised with "Merlin v1.0", then `dom-sep` ← label.
    init(label: String) {
        self.init(label: Array(label.utf8))
    }

    init(label: [UInt8]) {
        strobe = Strobe128(protocolLabel: Array("Merlin v1.0".utf8))
        appendMessage(label: Array("dom-sep".utf8), message: label)
    }

    /// meta-AD(label) ‖ meta-AD(LE32(len)) then AD(message).
    mutating func appendMessage(label: [UInt8], message: [UInt8]) {
        strobe.metaAD(label, more: false)
        strobe.metaAD(Self.le32(message.count), more: true)
        strobe.ad(message, more: false)
    }

    mutating func appendMessage(label: String, message: [UInt8]) {
        appendMessage(label: Array(label.utf8), message: message)
    }

    /// `append_u64`: the value as 8 little-endian bytes.
    mutating func appendU64(label: String, _ value: UInt64) {
        appendMessage(label: label, message: withUnsafeBytes(of: value.littleEndian, Array.init))
    }

    /// meta-AD(label) ‖ meta-AD(LE32(count)) then PRF(count).
    mutating func challengeBytes(label: [UInt8], count: Int) -> [UInt8] {
        strobe.metaAD(label, more: false)
        strobe.metaAD(Self.le32(count), more: true)
        return strobe.prf(count: count, more: false)
    }

    mutating func challengeBytes(label: String, count: Int) -> [UInt8] {
        challengeBytes(label: Array(label.utf8), count: count)
    }

    /// Forks the transcript into an RNG builder (`Transcript::build_rng`).
    func buildRNG() -> TranscriptRNGBuilder {
        TranscriptRNGBuilder(strobe: strobe)
    }

    static func le32(_ length: Int) -> [UInt8] {
        precondition(length >= 0 && length <= Int(UInt32.max), "Merlin lengths are 32-bit")
        let value = UInt32(length)
        return [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }
}

/// Rekeys a forked transcript with secret witness data, then with external randomness, so the
/// resulting RNG is a PRF of the public transcript, the prover's secrets and fresh entropy:
/// signatures stay safe if either the system RNG or the secret nonce seed is weak (not both).
struct TranscriptRNGBuilder: Sendable {
    fileprivate var strobe: Strobe128

    /// meta-AD(label) ‖ meta-AD(LE32(len)) then KEY(witness).
    consuming func rekey(label: [UInt8], witness: [UInt8]) -> TranscriptRNGBuilder {
        strobe.metaAD(label, more: false)
        strobe.metaAD(MerlinTranscript.le32(witness.count), more: true)
        strobe.key(witness, more: false)
        return self
    }

    /// meta-AD("rng") then KEY(32 random bytes).
    consuming func finalize(randomBytes: [UInt8]) -> TranscriptRNG {
        precondition(randomBytes.count == 32, "the transcript RNG is finalised with 32 random bytes")
        strobe.metaAD(Array("rng".utf8), more: false)
        strobe.key(randomBytes, more: false)
        return TranscriptRNG(strobe: strobe)
    }
}

/// The finalised transcript RNG (`merlin::TranscriptRng`).
struct TranscriptRNG: Sendable {
    fileprivate var strobe: Strobe128

    /// meta-AD(LE32(count)) then PRF(count).
    mutating func fillBytes(count: Int) -> [UInt8] {
        strobe.metaAD(MerlinTranscript.le32(count), more: false)
        return strobe.prf(count: count, more: false)
    }

    mutating func wipe() { strobe.wipe() }
}
