import Foundation
import Model

/// A token's record. The secret part is not in it: only its hash is stored.
public struct APIToken: Sendable, Equatable {
    /// Public identifier: printed in listings and logs, used to revoke.
    public var id: String
    public var label: String
    public var scopes: Set<Scope>
    public var createdAt: Date
    public var revokedAt: Date?

    public var isRevoked: Bool { revokedAt != nil }

    public func allows(_ scope: Scope) -> Bool { scopes.contains(scope) }
}

/// A newly created token: the only time its full text exists outside the client's hands.
public struct IssuedToken: Sendable {
    public var record: APIToken
    /// `tst_<id>_<secret>`. Show it once to the operator; it cannot be recovered later.
    public var token: String
}
