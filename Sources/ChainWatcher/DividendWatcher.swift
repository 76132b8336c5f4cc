import Logging
import Model
import ServiceLifecycle
import SubstrateCore
import Synchronization
import TaoRedis
import TaoStore

/// Follows finalized blocks and publishes every dividend change: a full read at start (diffed
/// against what was published before, so a restart or an outage leaves no silent gap), then per
/// block only the subnets whose epoch ran, and a full reconciliation every
/// `reconciliationInterval` blocks.
public final class DividendWatcher: Service, Sendable {
    public struct Settings: Sendable {
        public var kinds: [DividendKind]?
        public var reconciliationInterval: UInt64 = 100
        public var metadataCache: MetadataCache
        public init(kinds: [DividendKind]? = nil, reconciliationInterval: UInt64 = 100, metadataCache: MetadataCache) {
            self.kinds = kinds
            self.reconciliationInterval = reconciliationInterval
            self.metadataCache = metadataCache
        }
    }

    let client: ChainClient
    let publisher: DividendPublisher
    let history: HistoryRecorder?
    let settings: Settings
    let logger: Logger
    private let state = Mutex(FollowState())
    public let metrics: WatcherMetrics
    private let lastProgress = Mutex<ContinuousClock.Instant>(.now)

    struct FollowState {
        /// The values as of `lastBlock`, with the offset of the change that set each one: enough
        /// to put Redis back as it was if it loses its data.
        var known: [DividendKey: UInt64]?
        var setBy: [DividendKey: StreamOffset] = [:]
        var lastBlock: UInt64?
        var lastHash: String?

        var entries: [DividendEntry] {
            (known ?? [:]).map { key, amount in
                let offset = setBy[key] ?? StreamOffset(block: lastBlock ?? 0, sequence: 0)
                return DividendEntry(kind: key.kind, netuid: key.netuid, hotkey: key.hotkey, amount: String(amount), unit: key.kind.unit, block: offset.block, offset: offset)
            }
        }
    }

    public init(client: ChainClient, publisher: DividendPublisher, history: DividendHistoryStore?, settings: Settings, metrics: WatcherMetrics = WatcherMetrics(), logger: Logger) {
        self.client = client
        self.metrics = metrics
        self.publisher = publisher
        self.history = history.map { HistoryRecorder(store: $0, logger: logger) }
        self.settings = settings
        self.logger = logger
    }

    /// Every this many blocks (and on every full read) the watcher says at info level where it is.
    static let progressReportInterval: UInt64 = 100

    /// The last block fully published by this watcher.
    public var lastBlock: UInt64? { state.withLock { $0.lastBlock } }

    /// How long since a block was last published (or since start).
    public var sinceLastProgress: Duration { ContinuousClock.now - lastProgress.withLock { $0 } }

    public func run() async throws {
        let history = self.history
        // Not a child task: at shutdown it must finish writing, not be cancelled with the rest.
        let flusher = Task { await history?.flushContinuously(catchingUpFrom: publisher) }
        // A setting the chain cannot satisfy is not an outage: it stops the watcher, with the reason.
        let misconfigured: UnknownDividendKinds? = try? await cancelWhenGracefulShutdown { () async throws -> UnknownDividendKinds? in
            var backoff = RetryBackoff()
            while !Task.isCancelled {
                let published = self.lastBlock
                do {
                    try await self.follow()
                } catch is CancellationError {
                    return nil
                } catch let error as UnknownDividendKinds {
                    return error
                } catch {
                    // A graceful stop closes the connection under `follow`: that is no loss to report.
                    if Task.isCancelled { return nil }
                    // Progress since the last failure: this is a new outage, retried quickly at first.
                    if self.lastBlock != published { backoff.reset() }
                    let delay = backoff.next()
                    self.logger.warning("lost the chain or Redis; resuming from the finalized head", metadata: [
                        "error": "\(error)", "retryIn": "\(delay)",
                    ])
                    try await Task.sleep(for: delay)
                }
            }
            return nil
        }
        await client.close()
        await history?.stop()
        // Still waiting for a schema that never came (the migrations failed): nothing to write.
        if let history, !history.store.database.schemaReady.happened { flusher.cancel() }
        await flusher.value
        if let misconfigured { throw misconfigured }
    }

    private func follow() async throws {
        let connection = try await client.connection()
        let reader = ChainReader(connection: connection, cache: settings.metadataCache)
        guard let genesis = try await reader.blockHash(0) else { throw ChainRPCError.unexpectedAnswer(method: "chain_getBlockHash", detail: "no genesis") }
        let heads = try await connection.subscribe("chain_subscribeFinalizedHeads")
        var (metadata, spec) = try await reader.metadata(genesis: genesis, at: try await reader.finalizedHead().hash)
        if let wanted = settings.kinds {
            let missing = wanted.filter { !metadata.hasStorageEntry(pallet: "SubtensorModule", item: $0.rawValue) }
            if !missing.isEmpty { throw UnknownDividendKinds(missing: missing, available: DividendSnapshotReader.present(in: metadata, wanted: nil), specVersion: spec) }
        }
        var kinds = DividendSnapshotReader.present(in: metadata, wanted: settings.kinds)
        try await publisher.register(kinds: kinds)
        let genesisText = Hex.encode(genesis, prefixed: true)
        try await resynchroniseIfChainChanged(reader: reader, genesis: genesisText, snapshot: DividendSnapshotReader(reader: reader, metadata: metadata, kinds: kinds))
        try await publisher.recordGenesis(genesisText)
        let redisLast = try await publisher.lastPublishedBlock()
        let current = state.withLock { $0 }
        logger.info("following the chain", metadata: [
            "endpoint": "\(EndpointRedaction.redacted(connection.endpoint))", "genesis": "\(genesisText)", "specVersion": "\(spec)",
            "kinds": "\(kinds.map(\.rawValue).joined(separator: ","))", "lastPublished": "\(redisLast.map { String($0.number) } ?? "none")",
        ])
        if let lastBlock = current.lastBlock, let lastHash = current.lastHash, current.known != nil,
           redisLast.map({ $0.number < lastBlock }) ?? true {
            // Redis forgot (a restart without persistence, an older dump): put back the state
            // this process knows, as of the block it last published. These are not changes of the
            // chain, so they go neither into the change log nor into the history.
            logger.warning("Redis no longer holds what was published (restarted without its data?); putting the latest values back", metadata: [
                "redisBlock": "\(redisLast.map { String($0.number) } ?? "none")", "block": "\(lastBlock)",
            ])
            try await publisher.restore(entries: current.entries, block: lastBlock, blockHash: lastHash)
            metrics.redisRestores.increment()
        } else if current.known == nil, redisLast == nil, let baseline = await historyBaseline(kinds: kinds),
                  let lastBlock = baseline.lastBlock, try await reader.blockHash(lastBlock).map({ Hex.encode($0, prefixed: true) }) == baseline.lastHash {
            // Started with a Redis that lost everything: the history says what was published
            // last. Redis gets that back, and the head is diffed against it, so the history goes on
            // with the chain's own changes instead of every value again as new.
            // (Only when the history is of this chain: its last block must be the chain's block
            // at that height. A reset devnet or another network starts afresh instead.)
            logger.warning("Redis holds nothing; putting back the latest values from the history", metadata: ["block": "\(lastBlock)"])
            try await publisher.restore(entries: baseline.entries, block: lastBlock, blockHash: baseline.lastHash ?? "")
            metrics.redisRestores.increment()
            state.withLock { $0 = baseline }
        } else if current.known == nil || current.lastBlock != redisLast?.number {
            // A fresh start (or Redis is ahead of this process): diff against what Redis holds,
            // which is what servers serve.
            let published = try await publisher.publishedEntries(kinds: kinds)
            state.withLock {
                $0 = FollowState(known: published.compactMapValues { UInt64($0.amount) }, setBy: published.mapValues(\.offset),
                                 lastBlock: redisLast?.number, lastHash: redisLast?.hash)
            }
        }
        // Catch up at the finalized head with a full read: blocks missed while away are a recorded gap.
        let head = try await reader.finalizedHead()
        try await process(number: head.number, hash: head.hash, reader: DividendSnapshotReader(reader: reader, metadata: metadata, kinds: kinds), full: true)

        for try await header in heads {
            let number = try ChainReader.number(header)
            guard let last = state.withLock({ $0.lastBlock }) else {
                // Nothing published yet (the chain was at genesis): start with a full read here.
                if let hash = try await reader.blockHash(number) {
                    try await process(number: number, hash: hash, reader: DividendSnapshotReader(reader: reader, metadata: metadata, kinds: kinds), full: true)
                }
                continue
            }
            guard number > last else {
                // A node still behind the last published block: each of its blocks is checked
                // against the history, so a chain started again is caught at its first block.
                if let hash = try await reader.blockHash(number), await historyDisagrees(number: number, hash: hash) {
                    try await resetToHead(reader: reader, snapshot: DividendSnapshotReader(reader: reader, metadata: metadata, kinds: kinds),
                                          last: (last, state.withLock { $0.lastHash } ?? ""), held: nil)
                }
                continue
            }
            for block in (last + 1)...number {
                metrics.blocksBehind.set(Double(number - block))
                guard let hash = try await reader.blockHash(block) else { continue }
                let blockSpec = try await reader.specVersion(at: hash)
                if blockSpec != spec {
                    // A runtime upgrade: the next reads go through the new metadata.
                    (metadata, spec) = try await reader.metadata(genesis: genesis, at: hash)
                    kinds = DividendSnapshotReader.present(in: metadata, wanted: settings.kinds)
                    try await publisher.register(kinds: kinds)
                    logger.notice("runtime upgraded", metadata: ["specVersion": "\(spec)", "block": "\(block)"])
                }
                let full = block % settings.reconciliationInterval == 0
                try await process(number: block, hash: hash, reader: DividendSnapshotReader(reader: reader, metadata: metadata, kinds: kinds), full: full)
            }
            metrics.blocksBehind.set(Double(0))
        }
        throw ChainRPCError.connectionLost(endpoint: connection.endpoint)
    }

    /// Whether the chain still holds the block last published (by this process or, per Redis, by
    /// any watcher). A chain that does not — a devnet started again at block 0, another network on
    /// the same endpoint, a reorganisation deeper than finality — would otherwise stall the watcher
    /// until it passed the old height, since blocks at or below it count as already published.
    /// Redis then gets the chain's state at its head as a fresh snapshot, the change log starts
    /// again after that block (`log_from`), and servers tell their clients to resynchronise.
    private func resynchroniseIfChainChanged(reader: ChainReader, genesis: String, snapshot: DividendSnapshotReader) async throws {
        let current = state.withLock { $0 }
        let redisLast = try await publisher.lastPublishedBlock()
        guard let last = redisLast ?? current.lastBlock.map({ ($0, current.lastHash ?? "") }), !last.hash.isEmpty else { return }
        let held = try await reader.blockHash(last.number).map { Hex.encode($0, prefixed: true) }
        guard held != last.hash else { return }
        if held == nil, try await isSameChainBehind(reader: reader, genesis: genesis, last: last.number) {
            logger.notice("the node has not reached the last published block yet; following it as it catches up", metadata: ["lastPublished": "\(last.number)"])
            return
        }
        try await resetToHead(reader: reader, snapshot: snapshot, last: last, held: held)
    }

    /// Blocks a node serving the chain may trail the last published one by (a failover node
    /// still syncing) before, with nothing else to tell, it is taken for another chain.
    static let laggingNodeTolerance: UInt64 = 1024

    /// Whether a node that lacks the last published block is the same chain, behind: the same
    /// genesis as last time, the block the history recorded at the node's head, or (without a
    /// history) not further behind than ``laggingNodeTolerance``.
    private func isSameChainBehind(reader: ChainReader, genesis: String, last: UInt64) async throws -> Bool {
        if let recorded = try await publisher.publishedGenesis(), recorded != genesis { return false }
        let head = try await reader.finalizedHead()
        guard head.number < last else { return false }
        if head.number > 0, let recorded = await recordedHash(head.number) { return recorded == Hex.encode(head.hash, prefixed: true) }
        return last - head.number <= Self.laggingNodeTolerance
    }

    /// True when the history recorded another block at this height: the node follows another chain.
    private func historyDisagrees(number: UInt64, hash: [UInt8]) async -> Bool {
        guard let recorded = await recordedHash(number) else { return false }
        return recorded != Hex.encode(hash, prefixed: true)
    }

    private func recordedHash(_ number: UInt64) async -> String? {
        guard let store = history?.store, store.database.schemaReady.happened else { return nil }
        return try? await store.blockHash(number, logger: logger)
    }

    /// Publishes the chain's state at its finalized head as a fresh snapshot, after the last
    /// published block turned out not to be this chain's.
    private func resetToHead(reader: ChainReader, snapshot: DividendSnapshotReader, last: (number: UInt64, hash: String), held: String?) async throws {
        let head = try await reader.finalizedHead()
        let values = head.number > 0 ? try await snapshot.read(at: head.hash) : [:]
        let hashText = Hex.encode(head.hash, prefixed: true)
        logger.error("the chain no longer holds the last published block (a reset chain, another network, or a reorganisation past finality); publishing the chain's state at its head as a fresh snapshot", metadata: [
            "lastPublished": "\(last.number)", "lastPublishedHash": "\(last.hash)", "chainHash": "\(held ?? "none")", "head": "\(head.number)",
        ])
        let fresh = FollowState(known: values, setBy: [:], lastBlock: head.number, lastHash: hashText)
        try await publisher.restore(entries: fresh.entries, block: head.number, blockHash: hashText, dropLog: true)
        state.withLock { $0 = fresh }
        metrics.chainResets.increment()
        lastProgress.withLock { $0 = .now }
    }

    /// The state as of the last block the history recorded, or nil without a history (none
    /// configured, nothing recorded, or PostgreSQL not answering: then Redis, empty, is the baseline).
    private func historyBaseline(kinds: [DividendKind]) async -> FollowState? {
        guard let store = history?.store else { return nil }
        await store.database.schemaReady.wait()
        do {
            guard let latest = try await store.latestState(kinds: kinds, logger: logger) else { return nil }
            return FollowState(known: latest.values.mapValues(\.amount), setBy: latest.values.mapValues(\.offset), lastBlock: latest.block, lastHash: latest.hash)
        } catch {
            logger.warning("the history cannot be read; starting from an empty Redis, so every value is published as new", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Reads what may have changed in one block, publishes the differences, records history.
    private func process(number: UInt64, hash: [UInt8], reader: DividendSnapshotReader, full: Bool) async throws {
        let (known, last) = state.withLock { ($0.known ?? [:], $0.lastBlock) }
        if let last, number <= last { return }
        // Stream offsets are `block-sequence` and Redis refuses `0-0`: genesis is never published.
        guard number > 0 else { return }
        let start = ContinuousClock.now
        let hashText = Hex.encode(hash, prefixed: true)
        let changes: [DividendChange]
        var updated = known
        if full {
            let fresh = try await reader.read(at: hash)
            changes = DividendDiff.changes(from: known, to: fresh, scope: { _ in true }, block: number, blockHash: hashText)
            updated = fresh
        } else {
            let netuids = try await reader.epochs(at: hash, number: number)
            if netuids.isEmpty {
                changes = []
            } else {
                let fresh = try await reader.read(at: hash, netuids: netuids)
                let scope = Set(netuids)
                changes = DividendDiff.changes(from: known, to: fresh, scope: { scope.contains($0.netuid) }, block: number, blockHash: hashText)
                for key in known.keys where scope.contains(key.netuid) { updated[key] = nil }
                updated.merge(fresh) { $1 }
            }
        }
        metrics.readLatency.record(ContinuousClock.now - start)
        try await publisher.publish(block: number, blockHash: hashText, changes: changes, after: last)
        let gapFrom: UInt64? = last.flatMap { $0 + 1 < number ? $0 + 1 : nil }
        if let gapFrom { logger.notice("blocks missed while away; diffed at the head", metadata: ["from": "\(gapFrom)", "to": "\(number - 1)"]) }
        state.withLock { state in
            state.known = updated
            state.lastBlock = number
            state.lastHash = hashText
            for change in changes { state.setBy[change.key] = change.new == nil ? nil : change.offset }
        }
        metrics.changesPublished.increment(by: Double(changes.count))
        metrics.blocksProcessed.increment()
        metrics.lastBlock.set(Double(number))
        lastProgress.withLock { $0 = .now }
        if full || number % Self.progressReportInterval == 0 {
            logger.info("published block", metadata: ["block": "\(number)", "changes": "\(changes.count)", "full": "\(full)"])
        }
        await history?.enqueue(.init(number: number, hash: hashText, changes: changes, gapFrom: gapFrom))
        if let history { metrics.historyBacklog.set(Double(await history.pending)) }
    }
}
