import Foundation
import Crypto

/// One schema change. Released migrations never change: the checksum recorded when a migration was
/// applied is compared on every start.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    /// Statements run in order in the migration's transaction (the extended protocol takes one at a time).
    public var statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    var checksum: String {
        let digest = SHA256.hash(data: Array(statements.joined(separator: ";\n").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
