import Model
import TaoStore
import Testing

/// The outbox's decisions for a batch, without a database.
@Suite("Outbox plan")
struct OutboxPlanTests {
    static let kind = DividendKind(rawValue: "AlphaDividendsPerSubnet")

    static func firing(_ id: String, rule: String = "r1", token: String = "t1", hotkey: String = "a", cooldown: UInt32 = 0) -> OutboxPlan.Firing {
        OutboxPlan.Firing(deliveryID: id, ruleID: rule, tokenID: token, key: DividendKey(kind: kind, netuid: 1, hotkey: hotkey), event: "{}", cooldown: cooldown)
    }

    @Test func knownAndRepeatedIdsAreDuplicates() {
        var known = OutboxPlan.Known()
        known.stored = ["m1"]
        let plan = OutboxPlan([Self.firing("m1"), Self.firing("m2"), Self.firing("m2")], known: known, perHour: 10, now: 0)
        #expect(plan.decisions == [.skip(.duplicate), .queue, .skip(.duplicate)])
    }

    @Test func aCoolDownHoldsWithinTheBatchAndAgainstTheLastFiring() {
        var known = OutboxPlan.Known()
        known.lastFired[OutboxPlan.Mark(ruleID: "r1", key: Self.firing("x").key)] = 950
        let plan = OutboxPlan([Self.firing("m1", cooldown: 100), Self.firing("m2", hotkey: "b", cooldown: 100), Self.firing("m3", hotkey: "b", cooldown: 100),
                               Self.firing("m4", hotkey: "b")], known: known, perHour: 10, now: 1_000)
        // a fired at 950: 50 s ago; b fires, then is cooling; without a cool-down b fires again.
        #expect(plan.decisions == [.skip(.coolingDown), .queue, .skip(.coolingDown), .queue])
        #expect(OutboxPlan([Self.firing("m1", cooldown: 40)], known: known, perHour: 10, now: 1_000).decisions == [.queue])
    }

    @Test func theHourlyCapCountsTheBatchAndWritesOneSuppressedRowPerRule() {
        var known = OutboxPlan.Known()
        known.sentLastHour = ["t1": 1]
        known.suppressedRules = ["r9"]
        let plan = OutboxPlan([Self.firing("m1", hotkey: "a"), Self.firing("m2", hotkey: "b"), Self.firing("m3", hotkey: "c"),
                               Self.firing("m4", rule: "r2", hotkey: "a"), Self.firing("m5", rule: "r9", hotkey: "a"),
                               Self.firing("m6", rule: "r3", token: "t2")], known: known, perHour: 2, now: 0)
        #expect(plan.decisions == [.queue, .suppress, .skip(.suppressed), .suppress, .skip(.suppressed), .queue])
    }

    @Test func aSuppressedFiringStartsNoCoolDown() {
        var known = OutboxPlan.Known()
        known.sentLastHour = ["t1": 1]
        // m1 is over the cap and suppressed; m2, same rule and entry in the same batch, is not
        // cooling down because of it (it is over the cap too: skipped as suppressed).
        let plan = OutboxPlan([Self.firing("m1", cooldown: 100), Self.firing("m2", cooldown: 100)], known: known, perHour: 1, now: 1_000)
        #expect(plan.decisions == [.suppress, .skip(.suppressed)])
        // With room again, a sent firing does start one.
        let sent = OutboxPlan([Self.firing("m1", cooldown: 100), Self.firing("m2", cooldown: 100)], known: OutboxPlan.Known(), perHour: 5, now: 1_000)
        #expect(sent.decisions == [.queue, .skip(.coolingDown)])
    }

    @Test func firingsOfADisabledRuleAreNotStoredAndSaySo() {
        var known = OutboxPlan.Known()
        known.disabledRules = ["r2"]
        known.stored = ["m3"]
        let plan = OutboxPlan([Self.firing("m1"), Self.firing("m2", rule: "r2"), Self.firing("m3", rule: "r2")], known: known, perHour: 10, now: 0)
        #expect(plan.decisions == [.queue, .skip(.ruleDisabled), .skip(.duplicate)])
        #expect(AlertStore.EnqueueOutcome.ruleDisabled.isStored == false && AlertStore.EnqueueOutcome.suppressed.isStored)
    }

    @Test func whatADestinationAnswersLosesItsControlCharacters() {
        #expect(AlertStore.printable("bad\u{0}gate\r\nway\u{7}é") == "badgatewayé")
    }
}
