/// A token bucket: `rate` messages a second on average, bursts up to `burst`.
struct RateLimiter: Sendable {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(perSecond rate: Int, burst: Int, now: ContinuousClock.Instant = .now) {
        self.rate = Double(rate)
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.last = now
    }

    mutating func allow(now: ContinuousClock.Instant = .now) -> Bool {
        let elapsed = now - last
        last = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * rate)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
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
