/// Delays between attempts to get back to a server (Redis, the chain): short at first (a restart
/// or a dropped socket comes back at once), doubling up to `maximum`, so an outage of minutes
/// costs a line in the log every few seconds, not several a second.
public struct RetryBackoff: Sendable, Equatable {
    public let initial: Duration
    public let maximum: Duration
    public private(set) var current: Duration

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The delay before the next attempt.
    public mutating func next() -> Duration {
        defer { current = min(current * 2, maximum) }
        return current
    }

    /// The next delay, between half and all of it: many clients that lost the same server come
    /// back spread out instead of all at once.
    public mutating func nextJittered() -> Duration {
        next() * Double.random(in: 0.5...1.0)
    }

    public mutating func reset() { current = initial }
}
