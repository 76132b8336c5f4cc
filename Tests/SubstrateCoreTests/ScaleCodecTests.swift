import SubstrateCore
import Testing

@Suite struct ScaleCodecTests {
    @Test(arguments: [(UInt128, String)]([
        (0, "00"), (1, "04"), (63, "fc"), (64, "0101"), (16383, "fdff"), (16384, "02000100"),
        (1 << 30 - 1, "feffffff"), (1 << 30, "0300000040"), (UInt128(UInt32.max), "03ffffffff"),
        (1 << 64, "17000000000000000001"), (UInt128.max, "33ffffffffffffffffffffffffffffffff"),
    ]))
    func compactVectors(value: UInt128, encoded: String) throws {
        var encoder = ScaleEncoder()
        encoder.encodeCompact(value)
        #expect(Hex.encode(encoder.bytes) == encoded)
        var decoder = ScaleDecoder(hex(encoded))
        #expect(try decoder.decodeCompact() == value)
        try decoder.finish()
    }

    @Test(arguments: ["0100", "02000000", "0300000000", "03ffffff3f", "0b000000000100"])
    func nonCanonicalCompactsAreRefused(encoded: String) {
        var decoder = ScaleDecoder(hex(encoded))
        #expect(throws: ScaleError.self) { try decoder.decodeCompact() }
    }

    @Test func compactsTooWideForTheTypeAreRefused() {
        var decoder = ScaleDecoder(hex("02000100"))
        #expect(throws: ScaleError.compactOverflow(offset: 0, bits: 8)) { try decoder.decodeCompact(as: UInt8.self) }
    }

    @Test func fixedWidthIntegersAreLittleEndian() throws {
        #expect(UInt16(0x0102).scaleEncoded == [2, 1])
        #expect(Int32(-2).scaleEncoded == [0xfe, 0xff, 0xff, 0xff])
        #expect(UInt64(1_000_000_000).scaleEncoded == hex("00ca9a3b00000000"))
        #expect(try UInt128(scaleEncoded: [UInt8](repeating: 0xff, count: 16)) == .max)
        #expect(try Int128(scaleEncoded: [UInt8](repeating: 0xff, count: 16)) == -1)
    }

    @Test func strictDecoding() {
        #expect(throws: ScaleError.truncated(offset: 0, needed: 4)) { try UInt64(scaleEncoded: [1, 2, 3, 4]) }
        #expect(throws: ScaleError.trailingBytes(offset: 2, count: 1)) { try UInt16(scaleEncoded: [1, 2, 3]) }
        #expect(throws: ScaleError.invalidTag(offset: 0, value: 2, what: "bool (0 or 1)")) { try Bool(scaleEncoded: [2]) }
        #expect(throws: ScaleError.invalidTag(offset: 0, value: 7, what: "Option tag (0 or 1)")) { try UInt8?(scaleEncoded: [7, 1]) }
        #expect(throws: ScaleError.invalidUTF8(offset: 0)) { try String(scaleEncoded: [8, 0xff, 0xfe, 0x41, 0x41]) }
        #expect(throws: ScaleError.implausibleLength(offset: 0, length: 100)) { try String(scaleEncoded: [0x91, 0x01, 0x41]) }
        #expect(throws: ScaleError.self) { try [UInt32](scaleEncoded: [0x08, 1, 0, 0, 0, 2]) }
    }

    @Test func containersMatchTheirKnownEncodings() throws {
        #expect([UInt16(4), 8, 15, 16, 23, 42].scaleEncoded == hex("18040008000f00100017002a00"))
        #expect("Bittensor".scaleEncoded == [36] + Array("Bittensor".utf8))
        #expect(UInt32?.none.scaleEncoded == [0])
        #expect(UInt32?.some(1).scaleEncoded == [1, 1, 0, 0, 0])
        #expect(Result<UInt8, ErrorCode>.success(42).scaleEncoded == [0, 42])
        #expect(Result<UInt8, ErrorCode>.failure(ErrorCode(value: 7)).scaleEncoded == [1, 7])
        #expect(true.scaleEncoded == [1])
    }

    @Test func encodeThenDecodeIsIdentityForRandomValues() throws {
        var random = SeededGenerator(seed: 343)
        for _ in 0..<2000 {
            let width = Int.random(in: 0...128, using: &random)
            let value = width == 0 ? 0 : UInt128(random.next()) << 64 | UInt128(random.next()) >> (128 - width)
            #expect(try Compact<UInt128>(scaleEncoded: Compact(value).scaleEncoded).value == value)
            let list = (0..<Int.random(in: 0..<40, using: &random)).map { _ in UInt32.random(in: .min ... .max, using: &random) }
            #expect(try [UInt32](scaleEncoded: list.scaleEncoded) == list)
            let optional: UInt64? = Bool.random(using: &random) ? random.next() : nil
            #expect(try UInt64?(scaleEncoded: optional.scaleEncoded) == optional)
            let signed = Int64(bitPattern: random.next())
            #expect(try Int64(scaleEncoded: signed.scaleEncoded) == signed)
            let text = String((0..<Int.random(in: 0..<30, using: &random)).map { _ in Character(Unicode.Scalar(UInt8.random(in: 32...126, using: &random))) }) + "τ"
            #expect(try String(scaleEncoded: text.scaleEncoded) == text)
        }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var random = SeededGenerator(seed: 7)
        for _ in 0..<5000 {
            let bytes = (0..<Int.random(in: 0..<24, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try? [String](scaleEncoded: bytes)
            _ = try? [Compact<UInt64>](scaleEncoded: bytes)
            _ = try? Result<[UInt16], ErrorCode>(scaleEncoded: bytes)
            var decoder = ScaleDecoder(bytes)
            _ = try? decoder.decodeCompact()
        }
    }
}

/// An error type with a SCALE encoding, for `Result` round trips.
struct ErrorCode: Error, ScaleCodable, Equatable {
    var value: UInt8
    func encode(to encoder: inout ScaleEncoder) { encoder.encode(value) }
    init(value: UInt8) { self.value = value }
    init(from decoder: inout ScaleDecoder) throws(ScaleError) { value = try decoder.readByte() }
}
