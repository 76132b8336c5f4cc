import Foundation
import Model
import TestHarness
import Testing

/// The reference browser client in a real headless Chromium (Debian's chromium and
/// chromium-driver, driven by selenium): snapshot, live update, bad token. The screenshot is kept
/// in test-artifacts/ (not committed).
@Suite("The reference browser client in Chromium", .timeLimit(.minutes(2)))
struct BrowserClientTests {
    @Test func theTableFillsUpdatesLiveAndABadTokenIsExplained() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        try await script.publish([(key(1, Hotkeys.alice), 5_000_000_000), (key(1, Hotkeys.bob), 7_000_000_000), (key(2, Hotkeys.dave), 1)])

        let artifacts = ReferenceOracle.repositoryRoot.appendingPathComponent("test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ReferenceOracle.python)
        process.arguments = [
            ReferenceOracle.repositoryRoot.appendingPathComponent("Tests/Oracle/browser.py").path,
            "http://127.0.0.1:\(fixture.port)/", fixture.readToken, "123.456", artifacts.appendingPathComponent("browser-client.png").path,
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let lines = AsyncStream<String> { continuation in
            Thread {
                var buffer = Data()
                while true {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    while let newline = buffer.firstIndex(of: 10) {
                        continuation.yield(String(decoding: buffer[..<newline], as: UTF8.self))
                        buffer.removeSubrange(...newline)
                    }
                }
                continuation.finish()
            }.start()
        }
        var seen: [String] = []
        for await line in lines {
            seen.append(line)
            if line.hasPrefix("snapshot-ok") {
                try await script.publish([(key(1, Hotkeys.alice), 123_456_000_000)])
            }
        }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(seen) \(stderr.suffix(1500))")
        #expect(seen.first { $0.hasPrefix("snapshot-ok") } == "snapshot-ok 3", "\(seen)")
        #expect(seen.contains { $0.hasPrefix("update-ok highlighted=") && !$0.hasSuffix("=0") }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("bad-token-ok") && $0.contains("refused") }, "\(seen)")
    }
}
