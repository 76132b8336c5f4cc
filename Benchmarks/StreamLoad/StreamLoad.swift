import ArgumentParser
import ChainWatcher
import Foundation
import Logging
import Model
import TaoRedis

/// Load client for the StreamServer benchmark: opens many subscribers, publishes dividend changes
/// through the real publisher at a fixed rate, and reports throughput, latency and server memory.
@main
struct StreamLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stream-load", abstract: "Load a running StreamServer with subscribers and live updates.")

    @Option(help: "The server's WebSocket URL.") var url = "ws://127.0.0.1:8080/ws"
    @Option(help: "A read token (the benchmark script creates one).") var token: String
    @Option(help: "The Redis the server listens to.") var redisURL = "redis://127.0.0.1:6379/0"
    @Option(help: "The server's process id, to read its resident memory.") var serverPID: Int32?
    @Option(help: "Subscribers to open.") var connections = 10_000
    @Option(help: "Subscribers are spread over this many netuids.") var netuids = 64
    @Option(help: "Blocks published per second.") var blocksPerSecond = 4
    @Option(help: "Changes per block, one per netuid in turn.") var changesPerBlock = 64
    @Option(help: "Seconds of publishing.") var seconds = 20
    @Option(help: "Connections opened at once while ramping up.") var rampConcurrency = 256

    func run() async throws {
        let logger = {
            var logger = Logger(label: "stream-load")
            logger.logLevel = .error
            return logger
        }()
        let ledger = PublishLedger()
        let latencies = LatencySamples()
        let counters = LoadCounters()
        let rssBefore = serverPID.flatMap(ProcessMemory.residentBytes)

        try await withThrowingTaskGroup(of: Void.self) { group in
            // Ramp up in waves so the accept queue is never the thing measured.
            let rampStart = ContinuousClock.now
            for index in 0..<connections {
                let connection = LoadConnection(url: url, token: token, netuid: index % netuids, ledger: ledger, latencies: latencies, counters: counters)
                group.addTask {
                    do { try await connection.run(logger: logger) } catch {
                        if counters.failed.add(1, ordering: .relaxed).newValue == 1 { print("first connection failure: \(error)") }
                    }
                }
                if index % rampConcurrency == rampConcurrency - 1 {
                    while counters.subscribed.load(ordering: .relaxed) + counters.failed.load(ordering: .relaxed) < index - rampConcurrency {
                        try await Task.sleep(for: .milliseconds(2))
                    }
                }
            }
            while counters.subscribed.load(ordering: .relaxed) + counters.failed.load(ordering: .relaxed) < connections {
                try await Task.sleep(for: .milliseconds(20))
            }
            let rampTime = ContinuousClock.now - rampStart
            print("connected:          \(counters.subscribed.load(ordering: .relaxed)) subscribed, \(counters.failed.load(ordering: .relaxed)) failed, in \(rampTime)")
            try await Task.sleep(for: .seconds(2))
            let rssIdle = serverPID.flatMap(ProcessMemory.residentBytes)
            if let rssBefore, let rssIdle {
                let perConnection = Double(rssIdle - rssBefore) / Double(max(1, counters.subscribed.load(ordering: .relaxed)))
                print("server RSS:         \(rssBefore / 1_048_576) MiB before, \(rssIdle / 1_048_576) MiB with idle subscribers, \(String(format: "%.1f", perConnection / 1024)) KiB per connection")
            }

            let expected = try await publish(ledger: ledger, counters: counters)
            // Let the tail arrive.
            let deadline = ContinuousClock.now + .seconds(10)
            while counters.delivered.load(ordering: .relaxed) < expected, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let delivered = counters.delivered.load(ordering: .relaxed)
            let rates = latencies.percentiles([0.5, 0.99, 0.999, 1.0])
            print("delivered:          \(delivered) of \(expected) expected updates (\(String(format: "%.0f", Double(delivered) / Double(seconds))) messages/s over the publishing window)")
            print("latency (publish→receive): p50 \(Self.ms(rates[0])) ms, p99 \(Self.ms(rates[1])) ms, p99.9 \(Self.ms(rates[2])) ms, max \(Self.ms(rates[3])) ms, \(latencies.count) samples")
            group.cancelAll()
        }
    }

    /// Publishes for `seconds`; returns how many deliveries the subscribers should see.
    private func publish(ledger: PublishLedger, counters: LoadCounters) async throws -> Int {
        let redis = RedisClient(configuration: try RedisConfiguration(url: redisURL))
        let publisher = DividendPublisher(redis: redis)
        let hotkeys = ["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"]
        let startBlock = (try await publisher.lastPublishedBlock()?.number ?? 0) + 1
        var subscribersPerNetuid = [Int](repeating: 0, count: netuids)
        for index in 0..<connections { subscribersPerNetuid[index % netuids] += 1 }
        var expected = 0
        let interval = Duration.seconds(1) / blocksPerSecond
        var next = ContinuousClock.now
        for step in 0..<(seconds * blocksPerSecond) {
            let block = startBlock + UInt64(step)
            let hash = "0x" + String(repeating: "ab", count: 32)
            let changes = (0..<changesPerBlock).map { index in
                let netuid = (step * changesPerBlock + index) % netuids
                return DividendChange(
                    kind: .alpha, netuid: UInt16(netuid), hotkey: hotkeys[(step + index / netuids) % hotkeys.count],
                    old: UInt64(step), new: UInt64(step + 1), block: block, blockHash: hash,
                    offset: StreamOffset(block: block, sequence: UInt64(index))
                )
            }
            ledger.record(changes.map(\.offset.description), at: .now)
            try await publisher.publish(block: block, blockHash: hash, changes: changes)
            expected += changes.reduce(0) { $0 + subscribersPerNetuid[Int($1.netuid)] }
            next += interval
            try await Task.sleep(until: next)
        }
        await redis.close()
        return expected
    }

    static func ms(_ micros: UInt32) -> String { String(format: "%.2f", Double(micros) / 1000) }
}
