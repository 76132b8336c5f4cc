import Model
import TestHarness
import Testing
@testable import Notifier

@Suite("Alert evaluation")
struct AlertEvaluatorTests {
    static let hotkey = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    static let kind = DividendKind(rawValue: "AlphaDividendsPerSubnet")

    static func change(old: UInt64?, new: UInt64?, netuid: UInt16 = 7, offset: String = "100-0") -> DividendChange {
        DividendChange(kind: kind, netuid: netuid, hotkey: hotkey, old: old, new: new, block: 100, blockHash: "0xab", offset: StreamOffset(offset)!)
    }

    static func rule(_ condition: AlertCondition, filter: DividendFilter = DividendFilter(netuid: 7), id: String = "alr_1") -> AlertRule {
        AlertRule(id: id, tokenID: "tok", spec: AlertSpec(filter: filter, condition: condition, destination: .webhook(url: "https://example.com/h", format: .standard)), createdAt: 0)
    }

    @Test func everyConditionDecidesOnTheValuesBeforeAndAfter() {
        #expect(AlertEvaluator.fires(.anyChange, old: "1", new: "2"))
        #expect(AlertEvaluator.fires(.newEntry, old: nil, new: "2"))
        #expect(!AlertEvaluator.fires(.newEntry, old: "1", new: "2"))
        #expect(AlertEvaluator.fires(.removedEntry, old: "1", new: nil))
        #expect(!AlertEvaluator.fires(.removedEntry, old: nil, new: "1"))
        // Crossing needs both sides: staying below, or starting below, is not crossing below.
        #expect(AlertEvaluator.fires(.crosses(side: .below, threshold: 100), old: "150", new: "50"))
        #expect(!AlertEvaluator.fires(.crosses(side: .below, threshold: 100), old: "90", new: "50"))
        #expect(AlertEvaluator.fires(.crosses(side: .below, threshold: 1), old: "5", new: nil))
        #expect(AlertEvaluator.fires(.crosses(side: .above, threshold: 100), old: nil, new: "101"))
        #expect(!AlertEvaluator.fires(.crosses(side: .above, threshold: 100), old: "100", new: "100"))
        // 30 % drop: 100 → 70 fires, 100 → 71 does not; a rise never fires a drop.
        #expect(AlertEvaluator.fires(.relativeChange(percent: 30, direction: .drop), old: "100", new: "70"))
        #expect(!AlertEvaluator.fires(.relativeChange(percent: 30, direction: .drop), old: "100", new: "71"))
        #expect(!AlertEvaluator.fires(.relativeChange(percent: 30, direction: .drop), old: "100", new: "200"))
        #expect(AlertEvaluator.fires(.relativeChange(percent: 50, direction: .rise), old: "100", new: "150"))
        #expect(AlertEvaluator.fires(.relativeChange(percent: 50, direction: .either), old: "100", new: "40"))
        #expect(AlertEvaluator.fires(.relativeChange(percent: 100, direction: .drop), old: "100", new: nil))
        // From nothing there is no percentage.
        #expect(!AlertEvaluator.fires(.relativeChange(percent: 1, direction: .either), old: nil, new: "5"))
        #expect(!AlertEvaluator.fires(.relativeChange(percent: 1, direction: .either), old: "0", new: "5"))
        #expect(!AlertEvaluator.fires(.stalled(blocks: 5), old: "1", new: "2"))
    }

    @Test func onlyRulesWhoseFilterMatchesAndThatAreActiveFire() {
        var disabled = Self.rule(.anyChange, id: "alr_off")
        disabled.disabledReason = "gone"
        let rules = [Self.rule(.anyChange, id: "alr_7"), Self.rule(.anyChange, filter: DividendFilter(netuid: 8), id: "alr_8"),
                     Self.rule(.anyChange, filter: DividendFilter(hotkey: Self.hotkey), id: "alr_hk"), disabled]
        let fired = AlertEvaluator.firings(for: Self.change(old: 1, new: 2), rules: rules).map(\.rule.id)
        #expect(fired == ["alr_7", "alr_hk"])
    }

    @Test func theDeliveryIDIsTheSameForTheSameRuleAndEventOnly() {
        let rule = Self.rule(.anyChange)
        let first = AlertEvaluator.firings(for: Self.change(old: 1, new: 2), rules: [rule])[0].deliveryID
        let again = AlertEvaluator.firings(for: Self.change(old: 1, new: 2), rules: [rule])[0].deliveryID
        let next = AlertEvaluator.firings(for: Self.change(old: 2, new: 3, offset: "101-0"), rules: [rule])[0].deliveryID
        let other = AlertEvaluator.firings(for: Self.change(old: 1, new: 2), rules: [Self.rule(.anyChange, id: "alr_2")])[0].deliveryID
        #expect(first == again)
        #expect(Set([first, next, other]).count == 3)
        #expect(first.hasPrefix("msg_") && first.count == 30)
    }

    @Test func aStallFiresOncePerValueAfterItsBlocks() {
        let rule = Self.rule(.stalled(blocks: 50))
        let entry = DividendEntry(kind: Self.kind, netuid: 7, hotkey: Self.hotkey, amount: "42", unit: .alphaRao, block: 1_000, offset: StreamOffset("1000-0")!)
        #expect(AlertEvaluator.stalls(rule: rule, entries: [entry], at: 1_049, blockHash: "0x").isEmpty)
        let at1050 = AlertEvaluator.stalls(rule: rule, entries: [entry], at: 1_050, blockHash: "0x")
        let at1080 = AlertEvaluator.stalls(rule: rule, entries: [entry], at: 1_080, blockHash: "0x")
        #expect(at1050.count == 1 && at1050[0].event.new == "42")
        // Same stalled value, later block: the same id, so the store keeps one delivery.
        #expect(at1050[0].deliveryID == at1080[0].deliveryID)
        var moved = entry
        moved.block = 1_060
        #expect(AlertEvaluator.stalls(rule: rule, entries: [moved], at: 1_110, blockHash: "0x")[0].deliveryID != at1050[0].deliveryID)
    }
}

@Suite("Retry schedule and address policy")
struct DeliveryPolicyTests {
    @Test func retriesFollowTheScheduleWithBoundedJitterForMoreThanADay() {
        let schedule = RetrySchedule()
        #expect(schedule.span >= 24 * 3_600)
        #expect(schedule.delay(afterAttempt: 1, random: 0.5) == 5)
        #expect(schedule.delay(afterAttempt: 2, random: 0) == 300 * 0.8)
        #expect(schedule.delay(afterAttempt: 2, random: 0.999_999)! < 300 * 1.2)
        #expect(schedule.delay(afterAttempt: 7, random: 0.5) == 36_000)
        #expect(schedule.delay(afterAttempt: 8, random: 0.5) == nil)
        #expect(RetrySchedule.parse("1, 2,3")?.delays == [1, 2, 3])
        #expect(RetrySchedule.parse("1,-2") == nil)
        #expect(RetrySchedule.parse("") == nil)
    }

    @Test func privateLoopbackAndLinkLocalAddressesAreRefused() throws {
        let refused = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                       "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                       "64:ff9b::a00:1", "2002:a00:1::1", "ff02::1", "::a9fe:a9fe", "::ffff:0:a00:1", "64:ff9b:1::1"]
        let allowed = ["1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
        for text in refused {
            #expect(!AddressPolicy.isPublic(try SocketAddressParse.parse(text)), "\(text) must be refused")
            #expect(AddressPolicy(allowPrivate: true).permits(try SocketAddressParse.parse(text)))
        }
        for text in allowed { #expect(AddressPolicy.isPublic(try SocketAddressParse.parse(text)), "\(text) must be allowed") }
    }
}

import NIOCore

enum SocketAddressParse {
    static func parse(_ text: String) throws -> SocketAddress { try SocketAddress(ipAddress: text, port: 443) }
}

@Suite("Rule index")
struct AlertRuleIndexTests {
    /// The index finds exactly the rules a linear scan of the filters would, for any mix.
    @Test func theIndexMatchesWhatEveryFilterSays() {
        var random = SeededGenerator(seed: 7)
        let hotkeys = (0..<12).map { "hk\($0)" }
        let kinds = [DividendKind(rawValue: "AlphaDividendsPerSubnet"), DividendKind(rawValue: "RootAlphaDividendsPerSubnet")]
        let rules = (0..<400).map { index -> AlertRule in
            let netuid: UInt16? = random.next() % 3 == 0 ? nil : UInt16(random.next() % 5)
            let hotkey: String? = random.next() % 3 == 0 ? nil : hotkeys[Int(random.next() % 12)]
            let kindSet: Set<DividendKind>? = random.next() % 2 == 0 ? nil : [kinds[Int(random.next() % 2)]]
            var rule = AlertEvaluatorTests.rule(.anyChange, filter: DividendFilter(netuid: netuid, hotkey: hotkey, kinds: kindSet), id: "alr_\(index)")
            if random.next() % 10 == 0 { rule.disabledReason = "off" }
            return rule
        }
        let index = AlertRuleIndex(rules)
        #expect(index.count == rules.filter { $0.disabledReason == nil }.count)
        for netuid in UInt16(0)..<6 {
            for hotkey in hotkeys + ["other"] {
                for kind in kinds {
                    let key = DividendKey(kind: kind, netuid: netuid, hotkey: hotkey)
                    let expected = Set(rules.filter { $0.disabledReason == nil && $0.spec.filter.matches(key) }.map(\.id))
                    #expect(Set(index.matching(key).map(\.id)) == expected, "\(key)")
                    #expect(index.matching(key).count == expected.count, "no rule twice")
                }
            }
        }
    }
}

