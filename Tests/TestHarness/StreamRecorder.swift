/// Collects what an async sequence yields, so a test can wait for a matching element with a
/// deadline instead of hanging forever when it never comes.
public actor StreamRecorder<Element: Sendable> {
    private var buffer: [Element] = []
    private var history: [Element] = []
    private var finished = false
    private var consumer: Task<Void, Never>?

    public init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Element {
        consumer = nil
        Task { await self.start(sequence) }
    }

    private func start<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Element {
        consumer = Task {
            do {
                for try await element in sequence { self.append(element) }
            } catch {}
            self.finish()
        }
    }

    private func append(_ element: Element) {
        buffer.append(element)
        history.append(element)
    }
    private func finish() { finished = true }

    public struct Timeout: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// The first element matching `predicate`; the elements before it are dropped.
    public func next(
        timeout: Duration = .seconds(10), _ what: String = "an element", where predicate: @Sendable (Element) -> Bool = { _ in true }
    ) async throws -> Element {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let index = buffer.firstIndex(where: predicate) {
                let element = buffer[index]
                buffer.removeFirst(index + 1)
                return element
            }
            if finished { throw Timeout(description: "the sequence ended before \(what) arrived") }
            if ContinuousClock.now > deadline { throw Timeout(description: "\(what) did not arrive within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The first element matching `predicate`, removed alone: elements before it stay for other
    /// waiters (several subscriptions interleave on one connection).
    public func take(
        timeout: Duration = .seconds(10), _ what: String = "an element", where predicate: @Sendable (Element) -> Bool
    ) async throws -> Element {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let index = buffer.firstIndex(where: predicate) { return buffer.remove(at: index) }
            if finished { throw Timeout(description: "the sequence ended before \(what) arrived") }
            if ContinuousClock.now > deadline { throw Timeout(description: "\(what) did not arrive within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Everything ever received, consumed or not.
    public func all() -> [Element] { history }

    /// Everything received and not consumed yet.
    public func pending() -> [Element] { buffer }

    public func cancel() { consumer?.cancel() }
}
