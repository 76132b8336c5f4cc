@testable import StreamServer
import Testing

/// The per-address budget of refused authentications, driven with chosen instants.
@Suite("Refused-authentication budget")
struct AuthFailureBudgetTests {
    let start = ContinuousClock.now

    @Test func anAddressMayFailItsAllowanceThenWaits() {
        var budget = AuthFailureBudget(allowance: 3, refill: .seconds(2))
        for _ in 0..<3 {
            #expect(budget.retryAfter("10.0.0.1", now: start) == nil)
            budget.recordFailure("10.0.0.1", now: start)
        }
        #expect(budget.retryAfter("10.0.0.1", now: start) == .seconds(2))
        // Another address is not held back by the first one's failures.
        #expect(budget.retryAfter("10.0.0.2", now: start) == nil)
    }

    @Test func theBudgetRefillsOneFailureEveryRefill() {
        var budget = AuthFailureBudget(allowance: 2, refill: .seconds(2))
        for _ in 0..<2 { budget.recordFailure("a", now: start) }
        #expect(budget.retryAfter("a", now: start + .seconds(1)) == .seconds(1))
        #expect(budget.retryAfter("a", now: start + .seconds(2)) == nil)
        budget.recordFailure("a", now: start + .seconds(2))
        #expect(budget.retryAfter("a", now: start + .seconds(2)) == .seconds(2))
        // Long after, the whole allowance is back.
        #expect(budget.retryAfter("a", now: start + .seconds(60)) == nil)
    }

    @Test func aReservationIsTakenBeforeTheLookupAndGivenBackForAGoodToken() {
        var budget = AuthFailureBudget(allowance: 2, refill: .seconds(60))
        // Two lookups in flight at once take both places; a third waits before any answered.
        #expect(budget.reserve("a", now: start) == nil)
        #expect(budget.reserve("a", now: start) == nil)
        #expect(budget.reserve("a", now: start) != nil)
        // One of the two was a good token: its place comes back.
        budget.refund("a", now: start)
        #expect(budget.reserve("a", now: start) == nil)
    }

    @Test func pastCapacityOnlyAddressesStillOwingAreKept() {
        var budget = AuthFailureBudget(allowance: 1, refill: .seconds(10), capacity: 2)
        budget.recordFailure("old", now: start)
        budget.recordFailure("recent", now: start + .seconds(9))
        // "old" is whole again at 10 s; making room forgets it and keeps "recent".
        budget.recordFailure("new", now: start + .seconds(10))
        #expect(budget.trackedAddresses == 2)
        #expect(budget.retryAfter("new", now: start + .seconds(10)) != nil)
    }
}
