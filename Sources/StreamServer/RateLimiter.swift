/// A token bucket: `rate` tokens a second, up to `burst`. A message takes one if there is one
/// (``allow(now:)``); a replay or a refused token spends what it cost, into debt if need be
/// (``spend(_:now:)``), and what comes next waits until the debt is repaid (``wait(for:now:)``).
///
/// A pure value: the caller passes the time.
struct RateLimiter: Sendable {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(perSecond rate: Int, burst: Int, now: ContinuousClock.Instant = .now) {
        self.init(rate: Double(rate), burst: Double(burst), now: now)
    }

    init(rate: Double, burst: Double, now: ContinuousClock.Instant) {
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.last = now
    }

    mutating func allow(now: ContinuousClock.Instant = .now) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Takes `amount` whatever is left: the balance may fall below zero.
    mutating func spend(_ amount: Double, now: ContinuousClock.Instant) {
        refill(now: now)
        tokens -= amount
    }

    /// Gives back `amount` taken earlier, up to the burst.
    mutating func refund(_ amount: Double, now: ContinuousClock.Instant) {
        refill(now: now)
        tokens = min(burst, tokens + amount)
    }

    /// nil when `amount` could be taken now; otherwise how long until it could.
    func wait(for amount: Double, now: ContinuousClock.Instant) -> Duration? {
        let available = available(now: now)
        guard available < amount else { return nil }
        return .seconds((amount - available) / rate)
    }

    /// Whole again: nothing to remember.
    func isFull(now: ContinuousClock.Instant) -> Bool {
        available(now: now) >= burst
    }

    private func available(now: ContinuousClock.Instant) -> Double {
        let elapsed = now - last
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(burst, tokens + seconds * rate)
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        tokens = available(now: now)
        last = now
    }
}

/// Counts protocol errors in a sliding minute; past the limit the connection is abusive.
struct ErrorBudget: Sendable {
    let perMinute: Int
    private var times: [ContinuousClock.Instant] = []

    init(perMinute: Int) { self.perMinute = perMinute }

    /// Records an error; false once the budget is spent.
    mutating func record(now: ContinuousClock.Instant = .now) -> Bool {
        times.removeAll { now - $0 > .seconds(60) }
        times.append(now)
        return times.count <= perMinute
    }
}
