import ArgumentParser
import Foundation
import Logging
import Model
import TaoStore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage the bearer tokens clients authenticate with.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")

        @Option(help: "A name to tell the token apart, e.g. the client that uses it.")
        var label: String

        @Option(help: "Comma-separated scopes: read, trade, alerts.")
        var scopes: String = "read"

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let source = try options.load()
            let scopes = try Scope.parseList(scopes)
            let label = self.label
            let issued = try await withDatabase(try options.database(source), logger: Logger(label: "taostream.token")) { database in
                try await TokenStore(database: database).create(label: label, scopes: scopes)
            }
            // The token on stdout alone, so scripts can capture it; the rest on stderr.
            FileHandle.standardError.write(Data("created token \(issued.record.id) (\(issued.record.scopes.map(\.rawValue).sorted().joined(separator: ","))) for '\(issued.record.label)'; it is shown only now:\n".utf8))
            print(issued.token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (ids and labels, never secrets).")

        @Flag(help: "Include revoked tokens.")
        var all = false

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let source = try options.load()
            let includeRevoked = all
            let tokens = try await withDatabase(try options.database(source), logger: Logger(label: "taostream.token")) { database in
                try await TokenStore(database: database).list(includeRevoked: includeRevoked)
            }
            let formatter = ISO8601DateFormatter()
            print("ID            SCOPES      CREATED               REVOKED               LABEL")
            for token in tokens {
                let scopes = token.scopes.map(\.rawValue).sorted().joined(separator: ",")
                let revoked = token.revokedAt.map(formatter.string(from:)) ?? "-"
                print("\(token.id)  \(scopes.padding(toLength: 10, withPad: " ", startingAt: 0))  \(formatter.string(from: token.createdAt))  \(revoked.padding(toLength: 20, withPad: " ", startingAt: 0))  \(token.label)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id; clients using it are refused from then on.")

        @Argument(help: "The token id (the part after tst_, as `token list` shows).")
        var id: String

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let source = try options.load()
            let id = self.id
            let revoked = try await withDatabase(try options.database(source), logger: Logger(label: "taostream.token")) { database in
                try await TokenStore(database: database).revoke(id: id)
            }
            guard revoked else {
                throw ValidationError("no active token has id \(id); `taostream token list --all` shows every token")
            }
            print("revoked \(id)")
        }
    }
}
