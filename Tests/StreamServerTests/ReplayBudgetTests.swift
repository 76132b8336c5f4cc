@testable import StreamServer
import Model
import Testing

/// What a token's replays may read, driven with chosen instants.
@Suite("Replay budget")
struct ReplayBudgetTests {
    let start = ContinuousClock.now

    @Test func aReplayMayOverdrawThenTheNextWaitsUntilTheDebtIsRepaid() {
        var budget = RateLimiter(perSecond: 100, burst: 1_000, now: start)
        #expect(budget.wait(for: 1, now: start) == nil)
        // One long replay after an outage goes through whole...
        budget.spend(1_500, now: start)
        // ...and the next waits until 500 entries of debt are repaid at 100 a second.
        let wait = budget.wait(for: 1, now: start)
        #expect(wait.map { $0 > .seconds(5) && $0 <= .seconds(5.02) } == true, "\(String(describing: wait))")
        #expect(budget.wait(for: 1, now: start + .seconds(5.02)) == nil)
        #expect(!budget.isFull(now: start + .seconds(6)))
        #expect(budget.isFull(now: start + .seconds(16)))
    }

    @Test func connectionsOfOneTokenShareItsBudgetOtherTokensDoNot() {
        let budgets = ReplayBudgets(perSecond: 10, burst: 100)
        #expect(budgets.wait(token: "a", now: start) == nil)
        budgets.charge(token: "a", entries: 150, now: start)
        #expect(budgets.wait(token: "a", now: start) != nil)
        #expect(budgets.wait(token: "b", now: start) == nil)
    }

    @Test func aLoggedChangesKeyIsReadWithoutDecodingTheRest() throws {
        let change = DividendChange(kind: .rootAlpha, netuid: 7, hotkey: Hotkeys.bob, old: nil, new: 5, block: 9, blockHash: "0x01",
                                    offset: StreamOffset(block: 9, sequence: 0))
        #expect(ChangeLog.key(of: try ChangeJSON.encode(change)) == change.key)
        #expect(ChangeLog.key(of: Array(#"{"kind":"AlphaDividendsPerSubnet","netuid":70000,"hotkey":"x"}"#.utf8)) == nil)
        #expect(ChangeLog.key(of: Array("not json".utf8)) == nil)
    }
}
