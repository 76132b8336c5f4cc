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
    private var spent: [String: (failures: Double, at: ContinuousClock.Instant)] = [:]

    init(allowance: Int = 20, refill: Duration = .seconds(3), capacity: Int = 100_000) {
        self.allowance = allowance
        self.refill = refill
        self.capacity = capacity
    }

    var trackedAddresses: Int { spent.count }

    /// nil when `address` may try a token now (one more refusal would fit the allowance);
    /// otherwise how long until it may.
    func retryAfter(_ address: String, now: ContinuousClock.Instant) -> Duration? {
        let excess = remaining(address, now: now) + 1 - Double(allowance)
        guard excess > 0 else { return nil }
        return refill * excess
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
        guard spent[address] != nil else { return }
        let left = remaining(address, now: now) - 1
        spent[address] = left > 0 ? (left, now) : nil
    }

    mutating func recordFailure(_ address: String, now: ContinuousClock.Instant) {
        let failures = remaining(address, now: now) + 1
        if spent[address] == nil, spent.count >= capacity { evict(now: now) }
        spent[address] = (failures, now)
    }

    /// The failures still counted against `address` at `now`.
    private func remaining(_ address: String, now: ContinuousClock.Instant) -> Double {
        guard let entry = spent[address] else { return 0 }
        let forgiven = (now - entry.at) / refill
        return max(0, entry.failures - forgiven)
    }

    private mutating func evict(now: ContinuousClock.Instant) {
        spent = spent.filter { remaining($0.key, now: now) > 0 }
        if spent.count >= capacity { spent.removeAll() }
    }
}
