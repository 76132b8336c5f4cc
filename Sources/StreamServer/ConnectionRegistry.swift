import Synchronization

/// Every open session, and how many each token holds, for limits and for a draining shutdown.
final class ConnectionRegistry: Sendable {
    private struct State {
        var sessions: [UInt64: ClientSession] = [:]
        var perToken: [String: Int] = [:]
        var nextID: UInt64 = 0
        var draining = false
    }

    private let state = Mutex(State())

    func nextSessionID() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    func add(_ session: ClientSession) {
        state.withLock { _ = $0.sessions[session.id] = session }
    }

    func remove(_ session: ClientSession, tokenID: String?) {
        state.withLock { state in
            state.sessions[session.id] = nil
            if let tokenID { state.perToken[tokenID, default: 1] -= 1 }
        }
    }

    /// Takes one of the token's connection slots; false when it has none left.
    func claim(tokenID: String, limit: Int) -> Bool {
        state.withLock { state in
            let used = state.perToken[tokenID, default: 0]
            guard used < limit else { return false }
            state.perToken[tokenID] = used + 1
            return true
        }
    }

    var sessions: [ClientSession] { state.withLock { Array($0.sessions.values) } }
    var count: Int { state.withLock { $0.sessions.count } }

    var isDraining: Bool { state.withLock { $0.draining } }

    func startDraining() -> [ClientSession] {
        state.withLock { state in
            state.draining = true
            return Array(state.sessions.values)
        }
    }
}
