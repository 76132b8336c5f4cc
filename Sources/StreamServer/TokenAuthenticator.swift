import Foundation
import Model
import Synchronization
import TaoStore

/// Checks bearer tokens against the store, with a short cache and one lookup in flight per token:
/// a storm of 10 000 reconnects with the same token costs one database round trip, not 10 000.
///
/// A revoked token stops authenticating new connections within the cache's lifetime; open
/// connections are closed by ``RevocationSweeper``.
final class TokenAuthenticator: Sendable {
    private struct Entry {
        var record: APIToken
        var verifiedAt: ContinuousClock.Instant
    }

    private struct State {
        var cache: [String: Entry] = [:]
        var inFlight: [String: Task<APIToken?, any Error>] = [:]
    }

    private let store: TokenStore
    private let ttl: Duration
    private let state = Mutex(State())

    init(store: TokenStore, ttl: Duration = .seconds(5)) {
        self.store = store
        self.ttl = ttl
    }

    /// The token's record if it was verified within the cache's lifetime; no waiting.
    func cached(_ token: String) -> APIToken? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.cache[token], now - entry.verifiedAt < ttl else { return nil }
            return entry.record
        }
    }

    /// The token's record, nil when refused. Throws only when the store cannot be asked.
    func verify(_ token: String) async throws(StoreError) -> APIToken? {
        if let record = cached(token) { return record }
        let task = state.withLock { state -> Task<APIToken?, any Error> in
            if let running = state.inFlight[token] { return running }
            let task = Task { [store] in try await store.verify(token) }
            state.inFlight[token] = task
            return task
        }
        let result = await task.result
        state.withLock { state in
            state.inFlight[token] = nil
            if case .success(let record?) = result {
                if state.cache.count > 10_000 { state.cache.removeAll() }
                state.cache[token] = Entry(record: record, verifiedAt: .now)
            }
        }
        switch result {
        case .success(let record): return record
        case .failure(let error as StoreError): throw error
        case .failure(let error): throw .query("\(error)")
        }
    }

    /// The token of an `Authorization: Bearer …` header value.
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
