import Foundation
import Model
import Synchronization
import TaoStore

/// Checks bearer tokens against the store, with a short cache and one lookup in flight per token:
/// a storm of 10 000 reconnects with the same token costs one database round trip, not 10 000.
///
/// A revoked token stops authenticating new connections within the cache's lifetime; open
/// connections are closed by ``RevocationSweeper``. Refusals are counted per client address
/// (``AuthFailureBudget``): an address that keeps presenting bad tokens is refused without a
/// lookup until its budget refills.
final class TokenAuthenticator: Sendable {
    enum Refusal: Error, Equatable {
        /// Too many refused tokens from this address lately; try again after this long.
        case throttled(retryAfter: Duration)
        /// The store cannot be asked right now.
        case unavailable

        /// The refusal as the protocol's error (the WebSocket `error` message, REST's JSON body).
        var error: ProtocolError {
            switch self {
            case .throttled(let wait):
                ProtocolError(.rateLimited, "too many refused tokens from this address; retry in \(Int(wait.components.seconds) + 1) s")
            case .unavailable:
                ProtocolError(.unavailable, "tokens cannot be checked right now; retry shortly")
            }
        }
    }

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
    private let failures: Mutex<AuthFailureBudget>

    init(store: TokenStore, ttl: Duration = .seconds(5), failures: AuthFailureBudget = AuthFailureBudget()) {
        self.store = store
        self.ttl = ttl
        self.failures = Mutex(failures)
    }

    /// The token's record, nil when refused; a refusal counts against `address`, and an address
    /// over its budget is refused before any lookup.
    func verify(_ token: String, from address: String?) async throws(Refusal) -> APIToken? {
        if let record = cached(token) { return record }
        // What has not a token's shape is refused without a lookup, and so costs nothing.
        guard TokenStore.isWellFormed(token) else { return nil }
        let budgeted = failures.withLock { $0.allowance > 0 } ? address : nil
        if let budgeted, let wait = failures.withLock({ $0.reserve(budgeted, now: .now) }) { throw .throttled(retryAfter: wait) }
        let record: APIToken?
        do {
            record = try await verify(token)
        } catch {
            if let budgeted { failures.withLock { $0.refund(budgeted, now: .now) } }
            throw .unavailable
        }
        if record != nil, let budgeted { failures.withLock { $0.refund(budgeted, now: .now) } }
        return record
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
    private func verify(_ token: String) async throws(StoreError) -> APIToken? {
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
