import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

@main
struct TaoStreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taostream",
        abstract: "Live Bittensor dividend streams over WebSocket, and the chain watcher that feeds them.",
        discussion: """
            Settings come from flags, then TAOSTREAM_* environment variables, then a .env file \
            (TAOSTREAM_ENV_FILE or ./.env). See the README for the full list.
            """,
        version: TaoStreamVersion.current,
        subcommands: [ServeCommand.self, WatchCommand.self, RunCommand.self, DevnetCommand.self, NotifyCommand.self, NotifyKeysCommand.self, MigrateCommand.self, TokenCommand.self, WalletCommand.self]
    )

    static func main() async {
        // A peer that hangs up mid-write must cost one connection, not the process.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
