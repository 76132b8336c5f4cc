import Foundation
import Synchronization
import Logging
import Model
import TaoStore

/// Keeps PostgreSQL's history in step with what was published. When PostgreSQL is down, blocks
/// wait in a backlog and are written once it answers again; publishing never waits for it.
actor HistoryRecorder {
    struct Block: Sendable {
        let number: UInt64
        let hash: String
        let changes: [DividendChange]
        let gapFrom: UInt64?
    }

    let store: DividendHistoryStore
    let logger: Logger
    private var backlog: [Block] = []
    let writeTimeout: Duration = .seconds(10)
    private var failing = false

    init(store: DividendHistoryStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    var pending: Int { backlog.count }

    /// Queues a block; written by ``flushContinuously()`` so a slow or absent PostgreSQL never
    /// holds up publishing.
    func enqueue(_ block: Block) {
        backlog.append(block)
    }

    private var stopping = false

    func stop() { stopping = true }

    /// Writes the backlog until stopped, then once more. First it catches up what Redis published
    /// while this process was not writing history (a crash, or PostgreSQL down at the last stop).
    func flushContinuously(catchingUpFrom publisher: DividendPublisher, every interval: Duration = .milliseconds(200)) async {
        var caughtUp = false
        // On a fresh database the tables appear only once the migrations ran (a service beside this one).
        await store.database.schemaReady.wait()
        while !stopping {
            if !caughtUp { caughtUp = await catchUp(from: publisher) }
            await flush()
            try? await Task.sleep(for: interval)
        }
        await flush()
    }

    /// Queues the changes in the Redis change log after the last block PostgreSQL has.
    private func catchUp(from publisher: DividendPublisher) async -> Bool {
        do {
            let last = try await store.lastBlock(logger: logger) ?? 0
            let entries = try await publisher.redis.xrange(publisher.layout.changeLogKey, from: "\(last + 1)-0", count: 1_000_000)
            let decoder = JSONDecoder()
            var blocks: [UInt64: [DividendChange]] = [:]
            for entry in entries {
                guard let change = try? decoder.decode(DividendChange.self, from: Data(entry.fields[RedisLayout.changeField] ?? [])) else { continue }
                blocks[change.block, default: []].append(change)
            }
            // A block already queued by this process carries what the log cannot tell (a gap).
            let queued = Set(backlog.map(\.number))
            let missing = blocks.keys.sorted().filter { !queued.contains($0) }.map { number in
                Block(number: number, hash: blocks[number]![0].blockHash, changes: blocks[number]!.sorted { $0.offset < $1.offset }, gapFrom: nil)
            }
            if !missing.isEmpty { logger.notice("catching up history from the Redis change log", metadata: ["blocks": "\(missing.count)"]) }
            backlog.insert(contentsOf: missing, at: 0)
            return true
        } catch {
            return false
        }
    }

    /// Writes one block, giving up after ``writeTimeout``. A write that hangs (a query cut off
    /// by a server going down mid-transaction) must fail like a refused one, so it is retried and
    /// the outage logged; it is not waited for, since it may never end. Writes are idempotent, so
    /// one that still lands later does no harm.
    private func record(_ block: Block) async throws {
        let (store, logger, timeout) = (self.store, self.logger, writeTimeout)
        let write = Task {
            try await store.record(block: block.number, hash: block.hash, changes: block.changes, gapFrom: block.gapFrom, logger: logger)
        }
        let pending = Mutex<CheckedContinuation<Result<Void, any Error>, Never>?>(nil)
        let finish = { @Sendable (result: Result<Void, any Error>) in pending.withLock { $0.take() }?.resume(returning: result) }
        var timer: Task<Void, Never>?
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, any Error>, Never>) in
            pending.withLock { $0 = continuation }
            Task { finish(await write.result) }
            timer = Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                write.cancel()
                finish(.failure(StoreError.query("PostgreSQL did not answer within \(timeout)")))
            }
        }
        timer?.cancel()
        try outcome.get()
    }

    /// Writes the backlog in order; stops at the first failure (retried by the next call).
    func flush() async {
        while let block = backlog.first {
            do {
                try await record(block)
                backlog.removeFirst()
                if failing {
                    failing = false
                    logger.notice("PostgreSQL is back; history caught up", metadata: ["remaining": "\(backlog.count)"])
                }
            } catch {
                if !failing {
                    failing = true
                    logger.warning("PostgreSQL unavailable; history waits in memory", metadata: ["error": "\(error)"])
                }
                return
            }
        }
    }
}
