import Foundation
import Logging
import Model
import ServiceLifecycle
import TaoStore

/// The end of a first run on the local DevChain: migrates, makes sure the token kept in
/// `TAOSTREAM_DASHBOARD_TOKEN_FILE` still opens the dashboard (creates one when the file is
/// missing, or its token was revoked or belongs to another database), and once the server
/// listens prints the address with the token in its fragment, which browsers never send.
///
/// Only on `TAOSTREAM_NETWORK=devnet`: the token goes to the terminal, and on a real network
/// the terminal's output ends up in logs.
struct LocalDashboard: Service {
    let database: Database
    let tokenFile: String
    let url: String
    let listening: AsyncStream<Void>
    let logger: Logger

    static let scopes: Set<Scope> = [.read, .trade, .alerts]

    func run() async throws {
        await database.ready()
        try await Migrator(database: database).migrate(logger: logger)
        let token = try await usableToken()
        for await _ in listening { break }
        // stdout, not the logger: this is for the person at the terminal, once.
        FileHandle.standardOutput.write(Data("""

            TaoStream is running on the local DevChain. Open the dashboard:
              \(url)/#token=\(token)
            (the token, with read, trade and alerts, is kept in \(tokenFile))

            """.utf8))
    }

    /// The kept token when the database still takes it; a new one otherwise, written with
    /// owner-only permissions.
    private func usableToken() async throws -> String {
        let tokens = TokenStore(database: database)
        if let kept = (try? String(contentsOfFile: tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines),
           let record = try await tokens.verify(kept), record.scopes.isSuperset(of: Self.scopes) {
            return kept
        }
        let issued = try await tokens.create(label: "local dashboard", scopes: Self.scopes)
        let directory = (tokenFile as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: tokenFile, contents: Data((issued.token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw LocalDashboardError(file: tokenFile)
        }
        logger.info("created the local dashboard token", metadata: ["token_id": "\(issued.record.id)", "file": "\(tokenFile)"])
        return issued.token
    }
}

struct LocalDashboardError: Error, CustomStringConvertible {
    let file: String
    var description: String { "the dashboard token could not be written to \(file) (TAOSTREAM_DASHBOARD_TOKEN_FILE): check the directory is writable" }
}
