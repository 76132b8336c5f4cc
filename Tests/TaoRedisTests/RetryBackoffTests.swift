import TaoRedis
import Testing

@Suite("Retry back-off")
struct RetryBackoffTests {
    @Test func doublesUpToTheMaximumAndStartsAgainAfterAReset() {
        var backoff = RetryBackoff(initial: .milliseconds(200), maximum: .seconds(2))
        let delays = (0..<6).map { _ in backoff.next() }
        #expect(delays == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600), .seconds(2), .seconds(2)])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(200))
    }
}
