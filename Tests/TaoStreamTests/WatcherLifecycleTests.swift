import Foundation
import TestHarness
import Testing

/// What an operator reads from `taostream watch` (issue 14.17): on a fresh database it does not
/// race the migrations, at info level it says where it is, and a graceful stop logs no failure.
@Suite("taostream watch from start to stop", .serialized, .timeLimit(.minutes(3)))
struct WatcherLifecycleTests {
    @Test func onAFreshDatabaseTheWatcherSaysWhereItIsAndStopsQuietly() async throws {
        let system = try await OperatorSystem.start("watch-life", blockMilliseconds: 250, settings: ["TAOSTREAM_LOG_LEVEL": "info"])
        defer { Task { await system.stop() } }
        let watcher = try await system.spawn(["watch"], log: "watch.log")
        var log = ""
        for _ in 0..<600 {
            log = system.log("watch.log")
            if log.contains("following the chain"), log.contains("published block") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(log.contains("following the chain"), "\(log.suffix(3000))")
        #expect(log.contains("published block"), "\(log.suffix(3000))")
        watcher.signal(SIGTERM)
        #expect(await watcher.waitForExit(timeout: .seconds(40)) == 0)
        log = system.log("watch.log")
        #expect(!log.contains("does not exist"), "the watcher raced the migrations:\n\(log.suffix(3000))")
        let complaints = log.split(separator: "\n").filter { $0.contains(" warning ") || $0.contains(" error ") || $0.contains(" critical ") }
        #expect(complaints.isEmpty, "\(complaints.joined(separator: "\n"))")
    }

    @Test func aDividendKindTheRuntimeLacksStopsTheWatcherNamingTheKindsItHas() async throws {
        let system = try await OperatorSystem.start("watch-kinds", blockMilliseconds: 250,
                                                   settings: ["TAOSTREAM_DIVIDEND_KINDS": "AlphaDividendsPerSubnet, AlphaDividendPerSubnet"])
        defer { Task { await system.stop() } }
        let watcher = try await system.spawn(["watch"], log: "watch.log")
        let status = await watcher.waitForExit(timeout: .seconds(60))
        let log = system.log("watch.log")
        #expect(status != 0, "\(log.suffix(2000))")
        #expect(log.contains("TAOSTREAM_DIVIDEND_KINDS names AlphaDividendPerSubnet"), "\(log.suffix(2000))")
        #expect(log.contains("which the runtime (spec 343) does not define; it has AlphaDividendsPerSubnet"), "\(log.suffix(2000))")
        #expect(!log.contains("resuming from the finalized head"), "a setting is not an outage to retry")
    }
}
