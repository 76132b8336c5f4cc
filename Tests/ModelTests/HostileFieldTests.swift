import Model
import SubstrateCore
import Testing

/// Client fields that once cost too much or reached the database unchecked.
@Suite struct HostileFieldTests {
    static func code(_ json: String) -> ErrorCode? {
        do {
            _ = try ClientMessageParser().parse(Array(json.utf8))
            return nil
        } catch {
            return error.code
        }
    }

    @Test func aHugeHotkeyIsRefusedByLengthBeforeItIsDecoded() throws {
        let huge = String(repeating: "5", count: 60_000)
        let clock = ContinuousClock()
        var code: ErrorCode?
        let elapsed = clock.measure { code = Self.code(#"{"type":"subscribe","hotkey":"\#(huge)"}"#) }
        #expect(code == .invalidHotkey)
        // Not a timing assertion on the machine's speed: the decoder used to take over a second here,
        // a length check takes microseconds; a generous bound still tells the two apart.
        #expect(elapsed < .milliseconds(250))
        #expect(throws: SS58Error.tooLong(characters: 60_000)) { try SS58Address(huge) }
        do {
            _ = try ClientMessageParser().parse(Array(#"{"type":"subscribe","hotkey":"\#(huge)"}"#.utf8))
        } catch {
            #expect(error.message.count < 300, "the refusal must not echo the whole hotkey")
        }
    }

    @Test func anIdBeyondInt64IsRefusedNotEchoedChanged() {
        #expect(Self.code(#"{"type":"ping","id":-9223372036854775809}"#) == .invalidField)
        #expect(Self.code(#"{"type":"ping","id":9223372036854775808}"#) == .invalidField)
        #expect(Self.code(#"{"type":"ping","id":-9223372036854775808}"#) == nil)
    }

    @Test func aMessageWithADuplicateFieldIsRefused() {
        // `{"type":"query","type":"stake"}` must not mean whichever the parser kept.
        #expect(Self.code(#"{"type":"ping","id":1,"id":2}"#) == .malformedJSON)
        #expect(Self.code(#"{"type":"subscribe","netuid":1,"netuid":2}"#) == .malformedJSON)
    }

    @Test func controlCharactersInKeysAreInvalidFields() {
        let hotkey = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        #expect(Self.code(#"{"type":"trade","netuid":1,"hotkey":"\#(hotkey)","idempotency_key":"a\u0000b"}"#) == .invalidField)
        #expect(Self.code(#"{"type":"command_status","command_id":"x\u0000"}"#) == .invalidField)
        #expect(Self.code(#"{"type":"stake","netuid":1,"hotkey":"\#(hotkey)","amount":"1","idempotency_key":"k\u0007"}"#) == .invalidField)
        #expect(Self.code(#"{"type":"trade","netuid":1,"hotkey":"\#(hotkey)","idempotency_key":"plain-key-1"}"#) == nil)
    }

    @Test func lengthsCountUnicodeScalarsNotGraphemes() {
        let marks = "e" + String(repeating: "\u{0301}", count: 2_000)
        #expect(Self.code(#"{"type":"ping","id":"\#(marks)"}"#) == .invalidField)
        #expect(Self.code(#"{"type":"ping","id":"\#(String(repeating: "é", count: 128))"}"#) == nil)
    }
}
