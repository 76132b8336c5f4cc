import SubstrateCore
import Testing

@Suite struct AmountTests {
    @Test(arguments: [("1", UInt64(1_000_000_000)), ("0.01", 10_000_000), ("1.5", 1_500_000_000), (".5", 500_000_000),
                      ("0.000000001", 1), ("18446744073.709551615", .max), (" 2 ", 2_000_000_000)])
    func decimalsParseExactly(text: String, units: UInt64) throws {
        #expect(try TokenAmount(decimal: text).units == units)
    }

    @Test func badAmountsSayWhy() {
        #expect(throws: AmountError.tooPrecise("0.0000000001")) { try TokenAmount(decimal: "0.0000000001") }
        #expect(throws: AmountError.negative("-1")) { try TokenAmount(decimal: "-1") }
        #expect(throws: AmountError.tooLarge("18446744073.709551616")) { try TokenAmount(decimal: "18446744073.709551616") }
        #expect(throws: AmountError.notANumber("1e9")) { try TokenAmount(decimal: "1e9") }
        #expect(throws: AmountError.notANumber(".")) { try TokenAmount(decimal: ".") }
        #expect(throws: AmountError.notANumber("")) { try TokenAmount(decimal: "") }
    }

    @Test func formatting() {
        #expect(TokenAmount(units: 1_500_000_000).description == "1.5")
        #expect(TokenAmount(units: 1_500_000_000).fixed == "1.500000000")
        #expect(TokenAmount(units: 42_000_000_000).description == "42")
        #expect(TokenAmount(units: 1).description == "0.000000001")
        #expect(TokenAmount(units: 0).description == "0")
    }
}
