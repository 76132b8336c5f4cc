import Foundation
import SubstrateCore
import Testing

/// Values decoded through the type registry render as JSON that any JSON parser reads, with
/// integers kept exact (u128 balances exceed a double's 53 bits).
@Suite("Dynamic values as JSON")
struct DynamicValueJSONTests {
    func parsed(_ value: DynamicValue) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(value.jsonText.utf8), options: [.fragmentsAllowed])
    }

    @Test func scalarsAreExactAndBytesAreHex() throws {
        #expect(DynamicValue.unsigned(UInt128.max).jsonText == "340282366920938463463374607431768211455")
        #expect(DynamicValue.signed(-42).jsonText == "-42")
        #expect(DynamicValue.bool(true).jsonText == "true")
        #expect(DynamicValue.bytes([0xde, 0xad, 0x01]).jsonText == #""0xdead01""#)
        #expect(DynamicValue.string("a \"quoted\"\nline\\").jsonText == #""a \"quoted\"\nline\\""#)
        #expect(try parsed(.string("a \"quoted\"\nline\\")) as? String == "a \"quoted\"\nline\\")
        // 256-bit integers arrive little-endian in SCALE; the JSON hex reads as the number.
        let one = [UInt8(1)] + [UInt8](repeating: 0, count: 31)
        #expect(DynamicValue.wideInteger(one, signed: false).jsonText == "\"0x" + String(repeating: "0", count: 62) + "01\"")
    }

    @Test func compositesVariantsAndSequences() throws {
        let value = DynamicValue.composite([
            ("unit", .variant(name: "Normal", index: 0, fields: .tuple([]))),
            ("wrapped", .variant(name: "Some", index: 1, fields: .tuple([.unsigned(7)]))),
            ("list", .sequence([.unsigned(1), .unsigned(2)])),
            ("pair", .tuple([.bool(false), .string("x")])),
        ])
        #expect(value.jsonText == #"{"unit":"Normal","wrapped":{"Some":7},"list":[1,2],"pair":[false,"x"]}"#)
        let object = try #require(try parsed(value) as? [String: Any])
        #expect(object["unit"] as? String == "Normal")
        #expect((object["wrapped"] as? [String: Any])?["Some"] as? Int == 7)
    }

    /// A real runtime value: the `System::Version` constant of the recorded spec-343 metadata.
    @Test func aDecodedRuntimeValueRendersAsParsableJSON() throws {
        let metadata = ChainFixtures.v15
        let constant = try metadata.constant(pallet: "System", name: "Version")
        let version = try DynamicValueDecoder(registry: metadata.registry).decode(constant.value, as: constant.type)
        let object = try #require(try parsed(version) as? [String: Any], "\(version.jsonText)")
        #expect(object["spec_version"] as? Int == 343)
        #expect(object["transaction_version"] as? Int == 1)
        #expect(object["spec_name"] as? String == "node-subtensor")
    }
}
