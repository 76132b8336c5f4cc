import Foundation
import Model
import Testing

@Suite struct JSONParserTests {
    @Test(arguments: [
        #"{"a":[1,-2,3.5,true,false,null,"x"],"b":{"c":"d"}}"#,
        #"["\u00e9\ud83d\ude00\n\t\"\\\/", "τ", ""]"#,
        #"  {"big": 18446744073709551615, "neg": -9223372036854775808, "e": 1e3, "f": -0.25E-2}  "#,
        #"[[[[[]]]], {}, [{}]]"#,
    ])
    func agreesWithFoundation(text: String) throws {
        let ours = try JSONParser.parse(Array(text.utf8))
        let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == theirs)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "+1", "\"\\ud800\"", "\"a\u{01}b\"", "[1] 2", "nul", "{\"a\" 1}", "\"\\x\"", "[\"\\u12\"]"])
    func refusesInvalidJSON(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func duplicateMemberNamesAreRefusedAtAnyDepth() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(#"{"type":"ping","type":"auth"}"#.utf8)) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(#"[{"a":{"b":1,"b":1}}]"#.utf8)) }
        // The same name in sibling objects is fine.
        #expect((try? JSONParser.parse(Array(#"[{"a":1},{"a":2}]"#.utf8))) != nil)
    }

    @Test func integersBeyond64BitsAreNotRoundedIntoOne() throws {
        // Through Double these became Int64.min and an echo of a different id.
        #expect(try JSONParser.parse(Array("-9223372036854775809".utf8)) == .double(-9223372036854775809))
        #expect(try JSONParser.parse(Array("18446744073709551616".utf8)) == .double(18446744073709551616))
        #expect(try JSONParser.parse(Array("-9223372036854775808".utf8)) == .integer(.min))
        #expect(try JSONParser.parse(Array("1e3".utf8)) == .integer(1000))
    }

    @Test func randomBytesNeverCrashAndDeepNestingIsRefused() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]",:-0123456789.eEtrufalsn\ "#.utf8)
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 0..<30, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            _ = try? JSONParser.parse(bytes)
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(String(repeating: "[", count: 10_000).utf8)) }
    }
}
