/// How many refused authentications an address may cause before it must wait: each refusal costs
/// a database lookup, so an address that keeps guessing is answered at once, without one, until
/// its budget refills (token-bucket: `allowance` refusals at once, one more every `refill`).
///
/// A pure value: the caller passes the time, so tests drive it without waiting.
struct AuthFailureBudget: Sendable {
    let allowance: Int
    let refill: Duration
    /// Addresses tracked at most; past it, those whose budget is whole again are forgotten, and if
    /// that is not enough, all (an attacker with that many addresses is not slowed by this anyway).
    let capacity: Int
    private var buckets: [String: RateLimiter] = [:]

    init(allowance: Int = 20, refill: Duration = .seconds(3), capacity: Int = 100_000) {
        self.allowance = allowance
        self.refill = refill
        self.capacity = capacity
    }

    var trackedAddresses: Int { buckets.count }

    /// nil when `address` may try a token now (one more refusal would fit the allowance);
    /// otherwise how long until it may.
    func retryAfter(_ address: String, now: ContinuousClock.Instant) -> Duration? {
        (buckets[address] ?? whole(now: now)).wait(for: 1, now: now)
    }

    /// Counts one lookup against `address` before it is made, so concurrent guesses cannot all
    /// pass the check at once; nil when it may go ahead, otherwise how long until it may.
    mutating func reserve(_ address: String, now: ContinuousClock.Instant) -> Duration? {
        if let wait = retryAfter(address, now: now) { return wait }
        recordFailure(address, now: now)
        return nil
    }

    /// Gives back a reservation whose token was good (or never checked).
    mutating func refund(_ address: String, now: ContinuousClock.Instant) {
        guard var bucket = buckets[address] else { return }
        bucket.refund(1, now: now)
        buckets[address] = bucket.isFull(now: now) ? nil : bucket
    }

    mutating func recordFailure(_ address: String, now: ContinuousClock.Instant) {
        if buckets[address] == nil, buckets.count >= capacity { evict(now: now) }
        var bucket = buckets[address] ?? whole(now: now)
        bucket.spend(1, now: now)
        buckets[address] = bucket
    }

    /// An address's budget before any refusal: `allowance` refusals, one more every `refill`.
    private func whole(now: ContinuousClock.Instant) -> RateLimiter {
        RateLimiter(rate: 1 / (refill / .seconds(1)), burst: Double(allowance), now: now)
    }

    private mutating func evict(now: ContinuousClock.Instant) {
        buckets = buckets.filter { !$0.value.isFull(now: now) }
        if buckets.count >= capacity { buckets.removeAll() }
    }
}
