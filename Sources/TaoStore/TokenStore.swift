import Foundation
import Logging
import Model
import PostgresNIO

/// Creates, verifies, lists and revokes API tokens in the `api_tokens` table.
public struct TokenStore: Sendable {
    public let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger = Logger(label: "taostream.tokens")) {
        self.database = database
        self.logger = logger
    }

    public func create(label: String, scopes: Set<Scope>) async throws(StoreError) -> IssuedToken {
        let label = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !label.isEmpty, label.count <= 200 else {
            throw .invalidInput("a token needs a label of 1 to 200 characters, to tell tokens apart when revoking")
        }
        guard !scopes.isEmpty else { throw .invalidInput("a token needs at least one scope: read, trade or alerts") }
        let credential = TokenCredential.generate()
        let scopeNames = scopes.map(\.rawValue).sorted()
        let createdAt = try await run {
            let rows = try await database.client.query(
                "INSERT INTO api_tokens (id, secret_hash, label, scopes) VALUES (\(credential.id), \(credential.secretHash), \(label), \(scopeNames)) RETURNING created_at",
                logger: logger
            )
            for try await created in rows.decode(Date.self) { return created }
            throw StoreError.query("INSERT returned no row")
        }
        let record = APIToken(id: credential.id, label: label, scopes: scopes, createdAt: createdAt, revokedAt: nil)
        return IssuedToken(record: record, token: credential.text)
    }

    /// Whether `presented` has a token's shape: only such a token costs a lookup.
    public static func isWellFormed(_ presented: String) -> Bool {
        TokenCredential(parsing: presented) != nil
    }

    /// The token's record when it is well-formed, known and not revoked; nil otherwise.
    public func verify(_ presented: String) async throws(StoreError) -> APIToken? {
        guard let credential = TokenCredential(parsing: presented) else { return nil }
        guard let (record, storedHash) = try await find(id: credential.id) else { return nil }
        guard ConstantTime.equal(Array(storedHash.utf8), Array(credential.secretHash.utf8)) else { return nil }
        return record.isRevoked ? nil : record
    }

    public func list(includeRevoked: Bool = false) async throws(StoreError) -> [APIToken] {
        try await run {
            let rows = try await database.client.query(
                "SELECT id, label, scopes, created_at, revoked_at FROM api_tokens WHERE \(includeRevoked) OR revoked_at IS NULL ORDER BY created_at, id",
                logger: logger
            )
            var tokens: [APIToken] = []
            for try await (id, label, scopes, createdAt, revokedAt) in rows.decode((String, String, [String], Date, Date?).self) {
                tokens.append(APIToken(id: id, label: label, scopes: Set(scopes.compactMap(Scope.init(rawValue:))), createdAt: createdAt, revokedAt: revokedAt))
            }
            return tokens
        }
    }

    /// Revokes by id; returns false when no active token has that id.
    @discardableResult
    public func revoke(id: String) async throws(StoreError) -> Bool {
        try await run {
            let rows = try await database.client.query(
                "UPDATE api_tokens SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL RETURNING id",
                logger: logger
            )
            for try await _ in rows.decode(String.self) { return true }
            return false
        }
    }

    private func find(id: String) async throws(StoreError) -> (APIToken, String)? {
        try await run {
            let rows = try await database.client.query(
                "SELECT id, secret_hash, label, scopes, created_at, revoked_at FROM api_tokens WHERE id = \(id)",
                logger: logger
            )
            for try await (id, hash, label, scopes, createdAt, revokedAt) in rows.decode((String, String, String, [String], Date, Date?).self) {
                let record = APIToken(id: id, label: label, scopes: Set(scopes.compactMap(Scope.init(rawValue:))), createdAt: createdAt, revokedAt: revokedAt)
                return (record, hash)
            }
            return nil
        }
    }

    private func run<T>(_ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw .query(Database.explain(error))
        }
    }
}
