import Synchronization

/// Something that happens once (the pool started, the schema is migrated): tasks that wait for it
/// before it happens resume when it does, later ones at once. A waiting task that is cancelled
/// resumes at once too, so a service group that stops is never held up by a waiter.
public final class OneTimeEvent: Sendable {
    private struct State {
        var happened = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var happened: Bool { state.withLock { $0.happened } }

    public func signal() {
        let waiters = state.withLock { state in
            state.happened = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    public func wait() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.happened || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
