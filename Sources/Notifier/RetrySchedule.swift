import Foundation

/// When a failed delivery is tried again: the Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 10 h: the last attempt about 28 h after the first), each delay with up to ±20 %
/// jitter so receivers that failed together are not retried together.
public struct RetrySchedule: Sendable, Equatable {
    /// Delays after the 1st, 2nd, … failed attempt, in seconds.
    public var delays: [Double]
    public var jitter: Double

    public init(delays: [Double] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000], jitter: Double = 0.2) {
        self.delays = delays
        self.jitter = jitter
    }

    /// Seconds to wait after failed attempt number `attempt` (1-based), or nil when that was the last.
    /// `random` is in 0..<1 (injected so tests are exact).
    public func delay(afterAttempt attempt: Int, random: Double) -> Double? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let base = delays[attempt - 1]
        return base * (1 + jitter * (2 * random - 1))
    }

    /// The whole span from the first attempt to the last, without jitter.
    public var span: Double { delays.reduce(0, +) }

    /// Parses `TAOSTREAM_WEBHOOK_RETRY_DELAYS`: comma-separated seconds.
    public static func parse(_ text: String) -> RetrySchedule? {
        let delays = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !delays.isEmpty, delays.count <= 50, delays.allSatisfy({ ($0 ?? -1) > 0 }) else { return nil }
        return RetrySchedule(delays: delays.compactMap { $0 })
    }
}
