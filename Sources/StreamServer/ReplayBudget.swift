import Synchronization

/// How many change-log entries each token's replays may read: reading costs per entry read,
/// matched or not, so a replay that matches nothing still spends. Shared by every connection of
/// the token, so opening more connections buys no more.
///
/// Each token's ``RateLimiter`` may go into debt: a replay is allowed once the balance is back to
/// one entry and then pays for what it read (known only after reading), so one long legitimate
/// replay after an outage goes through whole, and the next ones wait until the debt is repaid.
/// Budgets whole again are forgotten.
final class ReplayBudgets: Sendable {
    private let perSecond: Int
    private let burst: Int
    private let budgets = Mutex<[String: RateLimiter]>([:])

    init(perSecond: Int, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// nil when `token` may replay now; otherwise how long until it may.
    func wait(token: String, now: ContinuousClock.Instant = .now) -> Duration? {
        budgets.withLock { budgets in budgets[token]?.wait(for: 1, now: now) }
    }

    /// A replay of `token` read `entries` entries of the log.
    func charge(token: String, entries: Int, now: ContinuousClock.Instant = .now) {
        budgets.withLock { budgets in
            budgets[token, default: RateLimiter(perSecond: perSecond, burst: burst, now: now)].spend(Double(entries), now: now)
            // Tokens are few (each is issued by the operator); sweeping whole budgets now and
            // then keeps the table to those that replayed lately.
            if budgets.count > 1024 { budgets = budgets.filter { !$0.value.isFull(now: now) } }
        }
    }
}
