import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestHarness
import Testing

/// `scripts/run.sh`'s path for a newcomer: `taostream run` on the in-process DevChain, started
/// from a directory that is not the checkout, prints the dashboard's address with a token that
/// works, keeps that token across restarts, replaces it once revoked, and applies the
/// `TAOSTREAM_DEVNET_*` settings `taostream devnet` takes.
@Suite("A first run on the local DevChain", .timeLimit(.minutes(3)))
struct FirstRunTests {
    struct Run {
        let process: ChildProcess
        let token: String
        let output: String
    }

    /// Starts `taostream run` with its working directory in `directory`, and waits for the line
    /// with the dashboard's address.
    static func start(_ environment: [String: String], directory: String, log: String) async throws -> Run {
        let binary = try TaoStreamBinary.path
        let process = try ChildProcess.spawn("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\" run", directory, binary], environment: environment, logFile: log)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = output.split(separator: "\n").first(where: { $0.contains("/#token=") }),
               let token = line.split(separator: "#token=").last.map({ String($0).trimmingCharacters(in: .whitespaces) }) {
                #expect(line.contains("http://127.0.0.1:\(environment["TAOSTREAM_HTTP_PORT"]!)/#token="), "\(line)")
                return Run(process: process, token: token, output: output)
            }
            guard process.isRunning else { throw ChildProcess.SpawnError(description: "taostream run exited: \(output.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        await process.stop()
        throw ChildProcess.SpawnError(description: "no dashboard address within 60 s: \((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(2000) ?? "")")
    }

    @Test func theDashboardsAddressComesWithATokenThatWorksAndIsKept() async throws {
        let redis = try await RedisServer.start()
        defer { Task { await redis.shutdown() } }
        let databaseURL = try await PostgresServer.shared().createDatabase("firstrun")
        let directory = try TemporaryDirectory.make("first-run")
        let httpPort = Network.freePort()
        let tokenFile = directory + "/data/dashboard-token"
        // Mainnet's default pace is 12 s; the in-process default (2 s) is what is under test,
        // so no TAOSTREAM_DEVNET_BLOCK_MS here.
        let environment = TaoStreamBinary.cleanEnvironment.merging([
            "TAOSTREAM_REDIS_URL": redis.url, "TAOSTREAM_DATABASE_URL": databaseURL, "TAOSTREAM_HTTP_PORT": "\(httpPort)",
            "TAOSTREAM_NETWORK": "devnet", "TAOSTREAM_DEVNET_PORT": "\(Network.freePort())", "TAOSTREAM_DEVNET_SUBNETS": "2",
            "TAOSTREAM_DEVNET_VALIDATORS": "3", "TAOSTREAM_DEVNET_TEMPO": "2", "TAOSTREAM_METADATA_CACHE": directory + "/cache",
            "TAOSTREAM_DASHBOARD_TOKEN_FILE": tokenFile, "TAOSTREAM_LOG_LEVEL": "notice",
        ]) { $1 }

        let first = try await Self.start(environment, directory: directory, log: directory + "/first.log")
        #expect((try String(contentsOfFile: tokenFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines) == first.token)
        let mode = try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the token file must be the owner's only")
        // Started from elsewhere, the binary still finds the browser client.
        let (page, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(httpPort)/")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: page, as: UTF8.self).contains("<script"))
        // The token reads live data, from the world TAOSTREAM_DEVNET_* asked for: 2 subnets, 3 validators each.
        let client = RecordingClient(port: httpPort, token: first.token, sending: [#"{"type":"subscribe","id":"all"}"#])
        defer { client.close() }
        try await client.wait(seconds: 60, for: "a live update") { $0.contains { $0.contains(#""type":"update""#) } }
        let netuids = Set(client.received.value.flatMap(Self.netuids))
        #expect(!netuids.isEmpty && netuids.isSubset(of: [0, 1, 2]), "\(netuids)")
        #expect(!first.output.contains("password"), "nothing secret but the token is printed")
        await first.process.stop()

        // A restart shows the same token.
        let second = try await Self.start(environment, directory: directory, log: directory + "/second.log")
        #expect(second.token == first.token)
        await second.process.stop()

        // Revoked, it is replaced by a new one that works.
        let id = try #require(first.token.split(separator: "_").dropFirst().first.map(String.init))
        let revoked = try await TaoStreamBinary.run(["token", "revoke", id], environment: environment)
        #expect(revoked.status == 0, "\(revoked.output)")
        let third = try await Self.start(environment, directory: directory, log: directory + "/third.log")
        defer { Task { await third.process.stop() } }
        #expect(third.token != first.token)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(httpPort)/api/v1/tao_dividends?netuid=1")!)
        request.setValue("Bearer \(third.token)", forHTTPHeaderField: "Authorization")
        let (_, answer) = try await URLSession.shared.data(for: request)
        #expect((answer as? HTTPURLResponse)?.statusCode == 200)
    }

    @Test func onARealNetworkNoTokenIsPrinted() async throws {
        let directory = try TemporaryDirectory.make("first-run-remote")
        let environment = TaoStreamBinary.cleanEnvironment.merging([
            "TAOSTREAM_NETWORK": "ws://127.0.0.1:1", "TAOSTREAM_DASHBOARD_TOKEN_FILE": directory + "/token",
            "TAOSTREAM_REDIS_URL": "redis://127.0.0.1:1", "TAOSTREAM_DATABASE_URL": "postgres://u:p@127.0.0.1:1/d",
        ]) { $1 }
        // It fails to reach Redis, but not before the settings are read.
        let result = try await TaoStreamBinary.run(["run"], environment: environment)
        #expect(!result.output.contains("#token="))
        #expect(!FileManager.default.fileExists(atPath: directory + "/token"))
    }

    /// Every netuid a snapshot or an update names.
    static func netuids(in message: String) -> [Int] {
        message.matches(of: /"netuid":(\d+)/).compactMap { Int($0.output.1) }
    }
}
