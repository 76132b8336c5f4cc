import Synchronization

/// Connections from each address that have not authenticated yet: a socket that never sends a
/// byte, a slow upgrade, a WebSocket waiting for its `auth` message, an HTTP keep-alive
/// connection. Authenticated WebSocket connections are bounded per token instead; these are
/// bounded per address, so 2 000 silent sockets from one host cannot take the descriptors that
/// other clients need.
final class PendingConnections: Sendable {
    let limitPerAddress: Int
    private let counts = Mutex<[String: Int]>([:])

    init(limitPerAddress: Int) { self.limitPerAddress = limitPerAddress }

    /// A slot for a new connection from `address`, nil when the address holds all of its own.
    func admit(_ address: String) -> Slot? {
        let admitted = counts.withLock { counts in
            let used = counts[address, default: 0]
            guard used < limitPerAddress else { return false }
            counts[address] = used + 1
            return true
        }
        return admitted ? Slot(address: address, owner: self) : nil
    }

    func count(_ address: String) -> Int { counts.withLock { $0[address, default: 0] } }

    fileprivate func release(_ address: String) {
        counts.withLock { counts in
            let left = counts[address, default: 1] - 1
            counts[address] = left > 0 ? left : nil
        }
    }

    /// One connection's place in its address's count, given back once: when it authenticates or
    /// when it closes, whichever comes first.
    final class Slot: Sendable {
        private let address: String
        private let owner: PendingConnections
        private let held = Atomic(true)

        fileprivate init(address: String, owner: PendingConnections) {
            self.address = address
            self.owner = owner
        }

        func release() {
            guard held.exchange(false, ordering: .relaxed) else { return }
            owner.release(address)
        }
    }
}
