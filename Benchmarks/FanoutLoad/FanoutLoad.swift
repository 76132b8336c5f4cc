import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// Load client for `Benchmarks/fanout.sh`: the same subscribers and publish rates against
/// TaoStream, nchan or the Python peer. Prints one JSON line for the connection storm, one per
/// publish rate and one with the highest delivery rate reached.
@main
struct FanoutLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fanout-load", abstract: "Fan-out load client: connects, subscribes, publishes, measures.")

    @Option(help: "taostream, nchan or python (how to subscribe and publish).") var target: String
    @Option(help: "WebSocket URL(s), comma-separated; connections are spread over them.") var url: String
    @Option(help: "Bearer token (TaoStream and the Python peer).") var token = ""
    @Option(help: "The Redis TaoStream and the Python peer listen to.") var redisURL = "redis://127.0.0.1:6379/0"
    @Option(help: "nchan: its publisher URL; otherwise ignored.") var publishURL = ""
    @Option(help: "Server process id(s), comma-separated, for resident memory.") var serverPID = ""
    @Option(help: "Subscribers.") var connections = 10_000
    @Option(help: "Publish rates (messages per second), comma-separated.") var rates = "1,5,20,50"
    @Option(help: "Seconds of publishing at each rate.") var seconds = 10
    @Option(help: "Event loop threads of the load client.") var threads = System.coreCount
    @Option(help: "Connections being opened at once.") var concurrency = 2_000

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let shared = SharedCounters()
        let rateList = rates.split(separator: ",").compactMap { Int($0) }
        let publisher = try await makePublisher(group: group)
        let base = try await firstBlock(publisher)
        let ledger = PublishLedger(base: base, capacity: rateList.reduce(0) { $0 + $1 * seconds } + 16)
        let stats = group.makeIterator().map { ($0, LoopStats(shared: shared, ledger: ledger)) }
        let pids = serverPID.split(separator: ",").compactMap { Int32($0) }
        let rssBefore = residentBytes(pids)

        let connectTime = try await connectAll(group: group, stats: stats, shared: shared)
        let subscribed = shared.subscribed.load(ordering: .relaxed)
        try await Task.sleep(for: .seconds(2))
        let rssIdle = residentBytes(pids)
        let perConnection = subscribed > 0 ? Double(rssIdle - rssBefore) / Double(subscribed) / 1024 : 0
        emit(["kind": "connect", "connections": subscribed, "failed": shared.failed.load(ordering: .relaxed),
              "seconds": round3(connectTime), "rss_per_connection_kib": round3(perConnection),
              "rss_idle_mib": round3(Double(rssIdle) / 1_048_576)])

        var best = 0.0
        var block = base
        for (phase, rate) in rateList.enumerated() {
            let result = try await runPhase(phase: phase, rate: rate, from: &block, subscribers: subscribed, publisher: publisher, ledger: ledger, shared: shared, stats: stats)
            best = max(best, result)
        }
        emit(["kind": "max", "delivered_per_second": round3(best)])
        await publisher.close()
        try? await group.shutdownGracefully()
    }

    private func makePublisher(group: any EventLoopGroup) async throws -> any FanoutPublisher {
        switch target {
        case "taostream", "taostream-x2": try TaoStreamPublisher(redisURL: redisURL)
        case "python": try RedisChannelPublisher(redisURL: redisURL)
        case "nchan": try await HTTPPostPublisher(url: publishURL, group: group)
        default: throw ValidationFailure("--target must be taostream, nchan or python")
        }
    }

    /// TaoStream's publisher refuses blocks at or below the last one published.
    private func firstBlock(_ publisher: any FanoutPublisher) async throws -> UInt64 {
        if let taostream = publisher as? TaoStreamPublisher { return try await taostream.lastBlock() + 1 }
        return 1
    }

    private func connectAll(group: MultiThreadedEventLoopGroup, stats: [(any EventLoop, LoopStats)], shared: SharedCounters) async throws -> Double {
        let urls = url.split(separator: ",").compactMap { URL(string: String($0)) }
        guard !urls.isEmpty else { throw ValidationFailure("--url needs at least one ws://host:port/path") }
        let subscribe: ByteBuffer? = target == "nchan" ? nil : ClientFrame.text(#"{"type":"subscribe","id":"s","netuid":\#(BenchmarkUpdate.netuid)}"#)
        let start = ContinuousClock.now
        for index in 0..<connections {
            let url = urls[index % urls.count]
            let (loop, loopStats) = stats[index % stats.count]
            var request = "GET \(url.path) HTTP/1.1\r\nHost: \(url.host ?? "127.0.0.1"):\(url.port ?? 80)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            if !token.isEmpty { request += "Authorization: Bearer \(token)\r\n" }
            request += "\r\n"
            let requestBytes = ByteBuffer(string: request)
            ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SubscriberHandler(request: requestBytes, subscribe: subscribe, stats: loopStats))
                    }
                }
                .connect(host: url.host ?? "127.0.0.1", port: url.port ?? 80)
                .whenFailure { error in loopStats.failed(reason: "connect: \(error)") }
            // Keep at most `concurrency` handshakes in flight.
            while index - (shared.subscribed.load(ordering: .relaxed) + shared.failed.load(ordering: .relaxed)) >= concurrency {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        let deadline = ContinuousClock.now + .seconds(120)
        while shared.subscribed.load(ordering: .relaxed) + shared.failed.load(ordering: .relaxed) < connections, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        return seconds(ContinuousClock.now - start)
    }

    /// Publishes at `rate` for `seconds`, waits for the tail, and reports; returns delivered/s.
    private func runPhase(phase: Int, rate: Int, from block: inout UInt64, subscribers: Int, publisher: any FanoutPublisher,
                          ledger: PublishLedger, shared: SharedCounters, stats: [(any EventLoop, LoopStats)]) async throws -> Double {
        let deliveredBefore = shared.delivered.load(ordering: .relaxed)
        let interval = Duration.seconds(1) / rate
        let start = PublishLedger.now()
        var next = ContinuousClock.now
        let publishes = rate * seconds
        for _ in 0..<publishes {
            ledger.record(block: block, phase: phase)
            try await publisher.publish(block: block)
            block += 1
            next += interval
            try await Task.sleep(until: next)
        }
        let expected = publishes * subscribers
        let deadline = ContinuousClock.now + .seconds(20)
        while shared.delivered.load(ordering: .relaxed) - deliveredBefore < expected, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let delivered = shared.delivered.load(ordering: .relaxed) - deliveredBefore
        let elapsed = Double(shared.lastDelivery.load(ordering: .relaxed) &- start) / 1e9
        var samples: [UInt32] = []
        for (loop, loopStats) in stats {
            samples += try await loop.submit { loopStats.take(phase: phase) }.get()
        }
        samples.sort()
        func percentile(_ fraction: Double) -> Double {
            guard !samples.isEmpty else { return 0 }
            return Double(samples[min(samples.count - 1, Int((fraction * Double(samples.count)).rounded(.up)) - 1)]) / 1000
        }
        let perSecond = elapsed > 0 ? Double(delivered) / elapsed : 0
        emit(["kind": "rate", "rate": rate, "expected": expected, "delivered": delivered, "delivered_per_second": round3(perSecond),
              "p50_ms": round3(percentile(0.5)), "p99_ms": round3(percentile(0.99)), "p999_ms": round3(percentile(0.999)),
              "max_ms": round3(percentile(1.0))])
        // A quiet second between rates, so one rate's tail does not land in the next.
        try await Task.sleep(for: .seconds(1))
        return perSecond
    }

    private func emit(_ fields: [String: Any]) {
        var object = fields
        object["target"] = target
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        // One write per line, so a reader sees whole lines as they come.
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    private func residentBytes(_ pids: [Int32]) -> Int {
        pids.reduce(0) { total, pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
            else { return total }
            return total + kib * 1024
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
