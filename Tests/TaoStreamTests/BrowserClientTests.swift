import Foundation
import TestHarness
import Testing

/// The reference browser client in a real headless Chromium (Debian's chromium and
/// chromium-driver, driven by selenium) against `taostream run` following a DevChain: the table
/// fills from the snapshot, an update from the chain appears without reload, and a bad token gets
/// a clear message. The screenshot is kept in test-artifacts/ (not committed).
@Suite("The reference browser client in Chromium", .timeLimit(.minutes(3)))
struct BrowserClientTests {
    @Test func theTableFillsUpdatesLiveAndABadTokenIsExplained() async throws {
        let redis = try await RedisServer.start()
        defer { Task { await redis.shutdown() } }
        let databaseURL = try await PostgresServer.shared().createDatabase("browser")
        let httpPort = Network.freePort()
        let cache = try TemporaryDirectory.make("browser-cache")
        let root = ReferenceOracle.repositoryRoot
        let environment = [
            "TAOSTREAM_REDIS_URL": redis.url, "TAOSTREAM_DATABASE_URL": databaseURL, "TAOSTREAM_HTTP_PORT": "\(httpPort)",
            "TAOSTREAM_NETWORK": "devnet", "TAOSTREAM_DEVNET_PORT": "\(Network.freePort())", "TAOSTREAM_DEVNET_BLOCK_MS": "300",
            "TAOSTREAM_METADATA_CACHE": cache, "TAOSTREAM_LOG_LEVEL": "warning",
            "TAOSTREAM_WEB_CLIENT_DIR": root.appendingPathComponent("web-client-spec/client").path,
        ]
        let created = try await TaoStreamBinary.run(["token", "create", "--label", "browser"], environment: environment)
        let token = try #require(created.output.split(separator: "\n").first { $0.hasPrefix("tst_") }.map(String.init))
        let process = try ChildProcess.spawn(try TaoStreamBinary.path, ["run"], environment: TaoStreamBinary.cleanEnvironment.merging(environment) { $1 }, logFile: cache + "/run.log")
        defer { Task { await process.stop() } }
        try await Network.waitUntilListening(port: httpPort, what: "taostream run")

        let artifacts = root.appendingPathComponent("test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: ReferenceOracle.python)
        browser.arguments = [root.appendingPathComponent("Tests/Oracle/browser.py").path, "http://127.0.0.1:\(httpPort)/", token, "1",
                             artifacts.appendingPathComponent("browser-client.png").path]
        let output = Pipe()
        let errors = Pipe()
        browser.standardOutput = output
        browser.standardError = errors
        try browser.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        browser.waitUntilExit()
        let seen = text.split(separator: "\n").map(String.init)
        #expect(browser.terminationStatus == 0, "\(seen) \(stderr.suffix(1500))")
        #expect(seen.contains { $0.hasPrefix("snapshot-ok") && $0 != "snapshot-ok 0" }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("update-ok highlighted=") && !$0.hasSuffix("=0") }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("bad-token-ok") && $0.contains("refused") }, "\(seen)")
    }
}
