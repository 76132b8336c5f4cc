import Foundation
import TestHarness
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("The taostream command")
struct CommandLineTests {
    /// Each subcommand lists only the options it uses, and no default twice.
    @Test func helpShowsOnlyTheOptionsASubcommandUses() async throws {
        let token = try await TaoStreamBinary.run(["token", "create", "--help"])
        #expect(token.output.contains("--database-url") && token.output.contains("--scopes"), "\(token.output)")
        #expect(!token.output.contains("--redis-url"), "token create does not use Redis:\n\(token.output)")
        #expect(!token.output.contains("Default: read"), "\(token.output)")
        let migrate = try await TaoStreamBinary.run(["migrate", "--help"])
        #expect(!migrate.output.contains("--redis-url"), "\(migrate.output)")
        let serve = try await TaoStreamBinary.run(["serve", "--help"])
        #expect(serve.output.contains("--redis-url") && serve.output.contains("--database-url"), "\(serve.output)")
    }

    @Test func helpListsTheSubcommands() async throws {
        let (status, output) = try await TaoStreamBinary.run(["--help"])
        #expect(status == 0)
        for command in ["serve", "watch", "run", "devnet", "migrate", "token", "wallet"] {
            #expect(output.contains("  \(command)"), "missing \(command) in:\n\(output)")
        }
    }

    @Test func versionIsPrinted() async throws {
        let (status, output) = try await TaoStreamBinary.run(["--version"])
        #expect(status == 0)
        #expect(output.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+\n$"#, options: .regularExpression) != nil, "\(output)")
    }

    @Test func aMisspeltVariableIsWarnedAboutWithTheNameItMeant() async throws {
        let port = Network.freePort()
        let (_, output) = try await TaoStreamBinary.run(["serve", "--redis-url", "redis://127.0.0.1:\(port)/0"], environment: ["TAOSTREAM_HTTP_PROT": "80"])
        #expect(output.contains("TAOSTREAM_HTTP_PROT (from the environment) is not a TaoStream setting; did you mean TAOSTREAM_HTTP_PORT?"), "\(output)")
    }

    @Test func serveWithUnreachableRedisPrintsOneClearLine() async throws {
        let port = Network.freePort()
        let (status, output) = try await TaoStreamBinary.run(["serve", "--redis-url", "redis://:hunter2@127.0.0.1:\(port)/0"])
        #expect(status != 0)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got:\n\(output)")
        #expect(output.contains("cannot connect to Redis at redis://:***@127.0.0.1:\(port)/0: connection refused"))
        #expect(!output.contains("hunter2"))
    }

    /// It used to hang in 4 tries of 7, deaf to SIGTERM (issue 14.16): cancelled together, the
    /// database pool stopped under a migration still running on a fresh database, and a service
    /// waiting for its Redis subscription kept the group alive. Seven tries, each on a fresh
    /// database, each bounded.
    @Test func serveOnAPortInUseExitsNamingTheAddress() async throws {
        let redis = try await RedisServer.start()
        defer { Task { await redis.shutdown() } }
        for _ in 0..<7 {
            let databaseURL = try await PostgresServer.shared().createDatabase("busyport")
            // Redis's own port is the one in use.
            let environment = TaoStreamBinary.cleanEnvironment.merging(["TAOSTREAM_REDIS_URL": redis.url, "TAOSTREAM_DATABASE_URL": databaseURL]) { $1 }
            let log = NSTemporaryDirectory() + "taostream-busy-\(UUID().uuidString).log"
            defer { try? FileManager.default.removeItem(atPath: log) }
            let child = try ChildProcess.spawn(try TaoStreamBinary.path, ["serve", "--port", "\(redis.port)"], environment: environment, logFile: log)
            // A hang is killed after 20 s and then fails the expectations below.
            let status = await child.waitForExit(timeout: .seconds(20))
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(status == 1, "\(output)")
            #expect(output.contains("cannot listen on 127.0.0.1:\(redis.port): the address is already in use"), "\(output)")
        }
    }

    @Test func badSettingsNameTheSettingAndItsSource() async throws {
        let (status, output) = try await TaoStreamBinary.run(["serve"], environment: ["TAOSTREAM_HTTP_PORT": "eighty"])
        #expect(status != 0)
        #expect(output.contains("TAOSTREAM_HTTP_PORT (from the environment): 'eighty' is not a whole number"), "\(output)")
    }

    @Test func tokensCanBeCreatedListedAndRevoked() async throws {
        let postgres = try await PostgresServer.shared()
        let databaseURL = try await postgres.createDatabase("cli")
        let environment = ["TAOSTREAM_DATABASE_URL": databaseURL]

        let created = try await TaoStreamBinary.run(["token", "create", "--label", "alerts bot", "--scopes", "read,trade"], environment: environment)
        #expect(created.status == 0, "\(created.output)")
        guard let token = created.output.split(separator: "\n").first(where: { $0.hasPrefix("tst_") }).map(String.init) else {
            Issue.record("no token printed:\n\(created.output)")
            return
        }
        let id = String(token.split(separator: "_")[1])
        // The secret is base64url and may itself contain "_".
        let secret = String(token.split(separator: "_", maxSplits: 2)[2])

        let listed = try await TaoStreamBinary.run(["token", "list"], environment: environment)
        #expect(listed.status == 0)
        #expect(listed.output.contains(id))
        #expect(listed.output.contains("alerts bot"))
        #expect(!listed.output.contains(secret))

        let revoked = try await TaoStreamBinary.run(["token", "revoke", id], environment: environment)
        #expect(revoked.status == 0, "\(revoked.output)")
        let listedAfter = try await TaoStreamBinary.run(["token", "list"], environment: environment)
        #expect(!listedAfter.output.contains(id))
        let again = try await TaoStreamBinary.run(["token", "revoke", id], environment: environment)
        #expect(again.status != 0)
        #expect(again.output.contains("no active token has id \(id)"))

        let migrated = try await TaoStreamBinary.run(["migrate"], environment: environment)
        #expect(migrated.output.contains("database is up to date"))
    }

    @Test func serveAnswersHealthFollowsRedisAndStopsOnSIGTERM() async throws {
        let redis = try await RedisServer.start()
        defer { Task { await redis.shutdown() } }
        let postgres = try await PostgresServer.shared()
        let databaseURL = try await postgres.createDatabase("serve")
        let port = Network.freePort()
        let log = try TemporaryDirectory.make("serve") + "/serve.log"
        let server = try ChildProcess.spawn(
            try TaoStreamBinary.path, ["serve", "--port", "\(port)"],
            environment: TaoStreamBinary.cleanEnvironment.merging([
                "TAOSTREAM_REDIS_URL": redis.url, "TAOSTREAM_DATABASE_URL": databaseURL,
            ]) { $1 },
            logFile: log
        )
        try await Network.waitUntilListening(port: port, what: "taostream serve")

        let healthy = try await get("http://127.0.0.1:\(port)/health")
        #expect(healthy.status == 200)
        #expect(healthy.body.contains("\"status\":\"ok\""))

        await redis.stop()
        let unhealthy = try await get("http://127.0.0.1:\(port)/health")
        #expect(unhealthy.status == 503)

        try await redis.start()
        var recovered = 0
        for _ in 0..<100 where recovered != 200 {
            recovered = try await get("http://127.0.0.1:\(port)/health").status
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(recovered == 200)

        server.signal(SIGTERM)
        let status = await server.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    private func get(_ url: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
