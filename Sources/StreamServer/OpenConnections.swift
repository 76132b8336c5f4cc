import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Every connection the server holds, against a ceiling below the process's descriptor limit.
///
/// Out of descriptors, `accept` fails with EMFILE while the connections wait in the kernel's
/// queue, and the event loop spun on that queue at 100 % of a core, serving nobody. Under the
/// ceiling that never happens: a connection past it is accepted and closed at once, which takes
/// it off the queue, and descriptors remain for Redis, PostgreSQL and files.
final class OpenConnections: Sendable {
    /// Descriptors kept back for everything that is not a client connection.
    static let reserve = 128

    let limit: Int
    private let count = Mutex(0)

    /// `limit` 0: the descriptor limit less ``reserve``.
    init(limit: Int) {
        self.limit = limit > 0 ? limit : max(16, Self.descriptorLimit() - Self.reserve)
    }

    var current: Int { count.withLock { $0 } }

    /// A place for one more connection, or false when the server is full.
    func admit() -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() {
        count.withLock { $0 -= 1 }
    }

    /// The soft RLIMIT_NOFILE.
    static func descriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return limit.rlim_cur == rlim_t.max ? 1 << 20 : Int(clamping: limit.rlim_cur)
    }
}
