import ChainWatcher
import Foundation
import Logging

/// Times full dividend snapshots through TaoStream's reader against a node.
@main
struct SnapshotRead {
    static func main() async throws {
        let endpoint = CommandLine.arguments.dropFirst().first ?? "ws://127.0.0.1:9944"
        let rounds = Int(CommandLine.arguments.dropFirst(2).first ?? "") ?? 3
        var logger = Logger(label: "snapshot-read")
        logger.logLevel = .error
        let cache = MetadataCache(directory: NSTemporaryDirectory() + "taostream-bench-cache")
        var timings: [Double] = []
        var entries = 0
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            entries = try await SnapshotProbe.read(endpoint: endpoint, cache: cache, logger: logger).count
            let elapsed = ContinuousClock.now - start
            timings.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let sorted = timings.sorted()
        print(String(format: "taostream: %d entries, min %.3f s, median %.3f s over %d runs (first run includes fetching metadata)", entries, sorted[0], sorted[sorted.count / 2], rounds))
    }
}
