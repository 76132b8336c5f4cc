import Foundation
import Model
import Synchronization
import TaoStore

/// Checks bearer tokens against the store, with a short cache so the upgrade check and the
/// connection's own check cost one database round trip, and a burst of reconnects little more.
final class TokenAuthenticator: Sendable {
    private let store: TokenStore
    private let ttl: Duration
    private let cache = Mutex<[String: (APIToken, ContinuousClock.Instant)]>([:])

    init(store: TokenStore, ttl: Duration = .seconds(5)) {
        self.store = store
        self.ttl = ttl
    }

    /// The token's record, nil when refused. Throws only when the store cannot be asked.
    func verify(_ token: String) async throws(StoreError) -> APIToken? {
        let now = ContinuousClock.now
        if let (record, time) = cache.withLock({ $0[token] }), now - time < ttl { return record }
        guard let record = try await store.verify(token) else { return nil }
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[token] = (record, now)
        }
        return record
    }

    /// The token of an `Authorization: Bearer …` header value.
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
