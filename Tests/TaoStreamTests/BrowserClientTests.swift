import Foundation
import SubstrateCore
import SubstrateKeys
import TestHarness
import Testing

/// The reference browser client in a real headless Chromium (Debian's chromium and
/// chromium-driver, driven by selenium) against a DevChain, a watcher and a server as separate
/// processes: the table fills from the snapshot, an update from the chain appears without reload,
/// the page resumes by itself across a server restart, a stake sent from its form is followed to
/// finality, "notify me" on a row turns into web pushes of that row's changes, and a bad token gets
/// a clear message. The screenshot is kept in test-artifacts/ (not
/// committed).
@Suite("The reference browser client in Chromium", .timeLimit(.minutes(4)))
struct BrowserClientTests {
    @Test func theTableFillsUpdatesLiveResumesAcrossARestartAndTrades() async throws {
        let root = ReferenceOracle.repositoryRoot
        let wallets = try TemporaryDirectory.make("browser-wallets")
        let alice = try Keypair(uri: "//Alice")
        try Wallet(name: "alice", root: wallets).writeColdkey(alice, ss58Address: SS58Address(publicKey: alice.publicKey).description, password: nil)
        let keys = try TemporaryDirectory.make("browser-keys")
        _ = try await TaoStreamBinary.run(["notify-keys", "--dir", keys])
        // The push service the browser's subscription points at: it decrypts what arrives.
        let pushService = try await AlertReceiver.start()
        defer { Task { await pushService.stop() } }
        let subscription = String(decoding: try JSONSerialization.data(withJSONObject: try await pushService.pushSubscriptionJSON("dashboard")), as: UTF8.self)
        let system = try await OperatorSystem.start("browser", blockMilliseconds: 300, settings: [
            "TAOSTREAM_COMMANDS": "true", "TAOSTREAM_WALLET_PATH": wallets, "TAOSTREAM_WALLET_NAME": "alice",
            "TAOSTREAM_WEB_CLIENT_DIR": root.appendingPathComponent("web-client-spec/client").path,
            "TAOSTREAM_ALERT_KEY_FILE": keys + "/alert.key", "TAOSTREAM_VAPID_KEY_FILE": keys + "/vapid.pem", "TAOSTREAM_WEBHOOK_ALLOW_PRIVATE": "true",
        ])
        defer { Task { await system.stop() } }
        let token = try await system.token(scopes: "read,trade,alerts")
        let notifier = try await system.spawn(["notify"], log: "notify.log")
        defer { Task { await notifier.stop() } }
        let httpPort = Network.freePort()
        let watcher = try await system.spawn(["watch"], log: "watch.log")
        defer { Task { await watcher.stop() } }
        let server = Locked(try await system.spawn(["serve"], log: "serve-1.log", httpPort: httpPort))
        defer { Task { await server.value.stop() } }

        let artifacts = root.appendingPathComponent("test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: ReferenceOracle.python)
        // //Bob's key is a valid hotkey to stake to on the devnet.
        browser.arguments = [root.appendingPathComponent("Tests/Oracle/browser.py").path, "http://127.0.0.1:\(httpPort)/", token, "1",
                             "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", artifacts.appendingPathComponent("browser-client.png").path, subscription]
        let output = Pipe()
        let input = Pipe()
        let errors = Pipe()
        browser.standardOutput = output
        browser.standardInput = input
        browser.standardError = errors
        try browser.run()
        var seen: [String] = []
        for await line in Self.lines(output.fileHandleForReading) {
            seen.append(line)
            guard line == "restart-server" else { continue }
            // A deploy: the server stops gracefully (its clients get 1001) and a new one starts.
            await server.value.stop()
            let next = try await system.spawn(["serve"], log: "serve-2.log", httpPort: httpPort)
            server.withLock { $0 = next }
            input.fileHandleForWriting.write(Data("go\n".utf8))
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        browser.waitUntilExit()
        #expect(browser.terminationStatus == 0, "\(seen) \(stderr.suffix(1500)) \(system.log("watch.log").suffix(800))")
        #expect(seen.contains { $0.hasPrefix("snapshot-ok") && $0 != "snapshot-ok 0" }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("update-ok highlighted=") && !$0.hasSuffix("=0") }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("resumed-ok") && $0.contains("replayed") }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("command-ok") && $0.contains("finalized") }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("bad-token-ok") && $0.contains("refused") }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("address-token-ok rows=") && $0.hasSuffix("hash=''") && !$0.contains("rows=0") }, "\(seen)")
        // The dashboard: deltas that agree, a sort, a chart with points, a group per subnet, a search.
        for step in ["delta-ok ", "sort-ok ascending:", "chart-ok points=", "groups-ok [", "search-ok "] {
            #expect(seen.contains { $0.hasPrefix(step) }, "no \(step)in \(seen)")
        }
        // "notify me": the next change of that row reached the push service, encrypted to the
        // subscription and signed with the operator's VAPID key.
        let notified = try #require(seen.first { $0.hasPrefix("notify-ok ") }, "\(seen)")
        #expect(notified.hasSuffix("worker=true"), "the service worker is active: \(notified)")
        let hotkey = String(notified.dropFirst("notify-ok ".count).prefix { $0 != " " })
        let pushes = try await pushService.wait("dashboard", count: 1, timeout: 60)
        #expect(pushes.first?.verified == true, "\(pushes.first?.error ?? "nothing pushed") \(system.log("notify.log").suffix(800))")
        #expect(pushes.first?.body?.contains(hotkey) == true, "\(pushes.first?.body ?? "")")
    }

    /// Lines a child process writes, as they come (a blocking read on a thread of its own).
    static func lines(_ handle: FileHandle) -> AsyncStream<String> {
        AsyncStream { continuation in
            Thread.detachNewThread {
                var buffer = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        continuation.yield(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                        buffer.removeSubrange(buffer.startIndex...newline)
                    }
                }
                if !buffer.isEmpty { continuation.yield(String(decoding: buffer, as: UTF8.self)) }
                continuation.finish()
            }
        }
    }
}
