import Synchronization

/// How many change-log entries a token's replays may read: reading costs per entry read, matched
/// or not, so a replay that matches nothing still spends. Shared by every connection of the token,
/// so opening more connections buys no more.
///
/// A bucket that may go into debt: a replay is allowed while the balance is positive and then pays
/// for what it read (known only after reading), so one long legitimate replay after an outage goes
/// through whole, and the next ones wait until the debt is repaid at `perSecond`.
///
/// A pure value: the caller passes the time.
struct ReplayBudget: Sendable {
    let perSecond: Double
    let burst: Double
    private var balance: Double
    private var last: ContinuousClock.Instant

    init(perSecond: Int, burst: Int, now: ContinuousClock.Instant) {
        self.perSecond = Double(perSecond)
        self.burst = Double(burst)
        self.balance = Double(burst)
        self.last = now
    }

    /// nil when a replay may start now; otherwise how long until it may.
    mutating func wait(now: ContinuousClock.Instant) -> Duration? {
        refill(now: now)
        guard balance <= 0 else { return nil }
        return .seconds((1 - balance) / perSecond)
    }

    /// A replay read `entries` entries of the log.
    mutating func charge(_ entries: Int, now: ContinuousClock.Instant) {
        refill(now: now)
        balance -= Double(entries)
    }

    /// Whole again: nothing to remember.
    func isFull(now: ContinuousClock.Instant) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.balance >= burst
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        let elapsed = now - last
        last = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        balance = min(burst, balance + seconds * perSecond)
    }
}

/// Every token's ``ReplayBudget``, forgotten once whole again.
final class ReplayBudgets: Sendable {
    private let perSecond: Int
    private let burst: Int
    private let budgets = Mutex<[String: ReplayBudget]>([:])

    init(perSecond: Int, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    func wait(token: String, now: ContinuousClock.Instant = .now) -> Duration? {
        budgets.withLock { budgets in budgets[token]?.wait(now: now) }
    }

    func charge(token: String, entries: Int, now: ContinuousClock.Instant = .now) {
        budgets.withLock { budgets in
            budgets[token, default: ReplayBudget(perSecond: perSecond, burst: burst, now: now)].charge(entries, now: now)
            // Tokens are few (each is issued by the operator); sweeping whole budgets now and
            // then keeps the table to those that replayed lately.
            if budgets.count > 1024 { budgets = budgets.filter { !$0.value.isFull(now: now) } }
        }
    }
}
