import Model
import Testing

/// `subscribe` with lists of netuids and hotkeys: one filter per combination, every list checked.
@Suite("Several keys in one subscribe")
struct MultiKeySubscribeTests {
    static let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    static let bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"

    static func filters(_ json: String) throws -> [DividendFilter] {
        let request = try ClientMessageParser().parse(Array(json.utf8))
        guard case .subscribe(let filters, _) = request.message else { Issue.record("not a subscribe: \(request.message)"); return [] }
        return filters
    }

    static func refusal(_ json: String) -> ProtocolError? {
        do {
            _ = try ClientMessageParser().parse(Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func listsMakeOneFilterPerCombinationWithTheSharedKinds() throws {
        let kinds: Set<DividendKind> = [DividendKind(rawValue: "AlphaDividendsPerSubnet")]
        #expect(try Self.filters(#"{"type":"subscribe","netuid":1}"#) == [DividendFilter(netuid: 1)])
        #expect(try Self.filters(#"{"type":"subscribe"}"#) == [DividendFilter()])
        #expect(try Self.filters(#"{"type":"subscribe","netuid":1,"hotkeys":["\#(Self.alice)","\#(Self.bob)"]}"#)
            == [DividendFilter(netuid: 1, hotkey: Self.alice), DividendFilter(netuid: 1, hotkey: Self.bob)])
        #expect(try Self.filters(#"{"type":"subscribe","netuids":[2,3],"kinds":["AlphaDividendsPerSubnet"]}"#)
            == [DividendFilter(netuid: 2, kinds: kinds), DividendFilter(netuid: 3, kinds: kinds)])
        let product = try Self.filters(#"{"type":"subscribe","netuids":[2,3],"hotkeys":["\#(Self.alice)","\#(Self.bob)"]}"#)
        #expect(Set(product) == [DividendFilter(netuid: 2, hotkey: Self.alice), DividendFilter(netuid: 2, hotkey: Self.bob),
                                 DividendFilter(netuid: 3, hotkey: Self.alice), DividendFilter(netuid: 3, hotkey: Self.bob)])
        #expect(product.count == 4)
    }

    @Test func badListsAreRefusedWithTheReason() {
        let both = Self.refusal(#"{"type":"subscribe","netuid":1,"netuids":[2]}"#)
        #expect(both?.code == .invalidNetuid && both?.message.contains("not both") == true)
        #expect(Self.refusal(#"{"type":"subscribe","hotkey":"\#(Self.alice)","hotkeys":["\#(Self.bob)"]}"#)?.code == .invalidHotkey)
        #expect(Self.refusal(#"{"type":"subscribe","netuids":[]}"#)?.code == .invalidNetuid)
        #expect(Self.refusal(#"{"type":"subscribe","netuids":[1,1]}"#)?.message.contains("twice") == true)
        #expect(Self.refusal(#"{"type":"subscribe","netuids":[70000]}"#)?.message.contains("70000") == true)
        #expect(Self.refusal(#"{"type":"subscribe","netuids":"1"}"#)?.code == .invalidNetuid)
        #expect(Self.refusal(#"{"type":"subscribe","hotkeys":["not-an-address"]}"#)?.code == .invalidHotkey)
        #expect(Self.refusal(#"{"type":"subscribe","hotkeys":["\#(Self.alice)","\#(Self.alice)"]}"#)?.message.contains("twice") == true)
        // Over the bound, refused before a filter is made: a long list, or a product of two lists.
        let overBound = Self.refusal(#"{"type":"subscribe","netuids":[\#((0..<1_025).map(String.init).joined(separator: ","))]}"#)
        #expect(overBound?.message.contains("1 to 1024") == true, "\(String(describing: overBound))")
        let product = Self.refusal(#"{"type":"subscribe","netuids":[\#((0..<600).map(String.init).joined(separator: ","))],"hotkeys":["\#(Self.alice)","\#(Self.bob)"]}"#)
        #expect(product?.message.contains("names 1200") == true, "\(String(describing: product))")
    }
}
