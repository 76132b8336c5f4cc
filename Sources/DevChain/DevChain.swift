import Logging
import Model
import ServiceLifecycle
import SubstrateCore
import SubstrateExtrinsics
import SubstrateKeys
import Synchronization

/// A local Subtensor-compatible chain: the real recorded runtime metadata, a deterministic world,
/// blocks on a timer, extrinsics checked and applied as the runtime would. Served over JSON-RPC by
/// ``DevChainServer``.
public actor DevChain {
    public enum Event: Sendable {
        case newBlock(BlockHeader, finalized: BlockHeader)
        case extrinsic(hash: [UInt8], status: ExtrinsicStatus)
    }

    public enum ExtrinsicStatus: Sendable, Equatable {
        case ready
        case inBlock([UInt8])
        case finalized([UInt8])
        case invalid(String)
    }

    public nonisolated let configuration: DevChainConfiguration
    public nonisolated let metadata: RuntimeMetadata
    /// `state_getMetadata` (V14) and `Metadata_metadata_at_version(15)` answers, as recorded.
    public nonisolated let metadataV14: [UInt8]
    public nonisolated let metadataV15: [UInt8]
    /// How many times a client fetched the runtime metadata (V14 or V15, any RPC form): a client
    /// with a working metadata cache fetches it once per runtime, not once per connection.
    public nonisolated let metadataServed = Atomic<Int>(0)
    public nonisolated let runtime: RuntimeVersion
    public nonisolated let genesisHash: [UInt8]
    nonisolated let codec: StorageCodec
    nonisolated let world: World
    nonisolated let executor: ExtrinsicExecutor

    private var blocks: [ChainBlock] = []
    private var byHash: [[UInt8]: Int] = [:]
    private var pool: [(hash: [UInt8], extrinsic: DecodedExtrinsic, bytes: [UInt8])] = []
    private var listeners: [Int: AsyncStream<Event>.Continuation] = [:]
    private var nextListener = 0
    private var sortedKeyCache: [Int: [StateKey]] = [:]
    /// Runtime upgrades: the spec version in force from each block on (the metadata is unchanged;
    /// enough for clients to see an upgrade and reload).
    private var upgrades: [(from: UInt64, specVersion: UInt32)] = []
    private var awaitingFinality: [(hash: [UInt8], block: UInt64, blockHash: [UInt8])] = []
    /// Hashes of extrinsics included lately, with their block: refused if sent again, as a
    /// Substrate pool bans what it pruned (for 30 minutes, ~150 blocks).
    private var banned: [[UInt8]: UInt64] = [:]
    private var pendingWrites: [(key: StateKey, value: [UInt8]?)] = []
    static let banBlocks: UInt64 = 150

    public init(configuration: DevChainConfiguration, metadataV14: [UInt8], metadataV15: [UInt8]) throws {
        self.configuration = configuration
        self.metadataV14 = metadataV14
        self.metadataV15 = metadataV15
        let metadata = try RuntimeMetadata(prefixed: metadataV15)
        self.metadata = metadata
        self.runtime = try RuntimeVersion(metadata: metadata)
        let codec = StorageCodec(metadata: metadata)
        self.codec = codec
        let world = World(configuration: configuration, codec: codec)
        self.world = world
        let accounts = try DevAccounts.keypairs().map(\.keypair.publicKey)
        let state = try world.genesis(devAccounts: accounts)
        let header = BlockHeader(parentHash: [UInt8](repeating: 0, count: 32), number: 0, stateRoot: ChainBlock.stateRoot(state), extrinsicsRoot: ChainBlock.extrinsicsRoot([]))
        let genesis = ChainBlock(header: header, extrinsics: [], state: state)
        self.genesisHash = genesis.hash
        self.executor = ExtrinsicExecutor(metadata: metadata, codec: codec, world: world, runtime: runtime, genesisHash: genesis.hash)
        blocks = [genesis]
        byHash = [genesis.hash: 0]
    }

    // MARK: Reading

    public var best: BlockHeader { blocks[blocks.count - 1].header }
    public var bestHash: [UInt8] { blocks[blocks.count - 1].hash }

    public var finalized: BlockHeader { blocks[finalizedIndex].header }
    public var finalizedHash: [UInt8] { blocks[finalizedIndex].hash }
    private var finalizedIndex: Int { max(0, blocks.count - 1 - Int(configuration.finalityLag)) }

    public func blockHash(_ number: UInt64) -> [UInt8]? {
        number < UInt64(blocks.count) ? blocks[Int(number)].hash : nil
    }

    public func header(_ hash: [UInt8]?) -> BlockHeader? {
        guard let hash else { return best }
        return byHash[hash].map { blocks[$0].header }
    }

    public func extrinsics(_ hash: [UInt8]) -> [[UInt8]]? {
        byHash[hash].map { blocks[$0].extrinsics }
    }

    /// The state at a block (best when nil); nil for an unknown or pruned block.
    func state(at hash: [UInt8]?) -> [StateKey: [UInt8]]? {
        guard let hash else { return blocks[blocks.count - 1].state }
        guard let index = byHash[hash], index >= blocks.count - configuration.retainedBlocks else { return nil }
        return blocks[index].state
    }

    /// Whether the state of block `hash` is still kept (old blocks keep only their header).
    public func hasState(at hash: [UInt8]) -> Bool { state(at: hash) != nil }

    public func storage(_ key: [UInt8], at hash: [UInt8]? = nil) -> [UInt8]? {
        state(at: hash)?[StateKey(key)]
    }

    /// Keys starting with `prefix`, in byte order, after `start`, at most `count`.
    public func keys(prefix: [UInt8], count: Int, after start: [UInt8]?, at hash: [UInt8]? = nil) -> [[UInt8]]? {
        guard let index = hash.map({ byHash[$0] }) ?? blocks.count - 1, state(at: blocks[index].hash) != nil else { return nil }
        let sorted = sortedKeys(index)
        // First key after both the prefix's start and `start`, by binary search.
        let lower = start.map(StateKey.init).map { $0 < StateKey(prefix) ? StateKey(prefix) : $0 } ?? StateKey(prefix)
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < lower || (start != nil && sorted[middle].bytes == start!) { low = middle + 1 } else { high = middle }
        }
        var result: [[UInt8]] = []
        var position = low
        while position < sorted.count, result.count < count, sorted[position].bytes.starts(with: prefix) {
            if start.map({ StateKey($0) < sorted[position] }) ?? true { result.append(sorted[position].bytes) }
            position += 1
        }
        return result
    }

    /// Sorted keys of a block's state, computed once per block (paging asks for them many times).
    private func sortedKeys(_ index: Int) -> [StateKey] {
        if let cached = sortedKeyCache[index] { return cached }
        let sorted = blocks[index].state.keys.sorted()
        if sortedKeyCache.count > 8 { sortedKeyCache.removeAll() }
        sortedKeyCache[index] = sorted
        return sorted
    }

    /// The account's next nonce, counting extrinsics waiting in the pool.
    public func nextNonce(_ account: [UInt8]) -> UInt64 {
        let onChain = executor.account(account, in: blocks[blocks.count - 1].state).nonce
        return onChain + UInt64(pool.filter { $0.extrinsic.signer == account }.count)
    }

    /// A typed read through the metadata, for tests and tools.
    public func value(_ pallet: String, _ item: String, _ arguments: [DynamicValue], at hash: [UInt8]? = nil) throws -> DynamicValue? {
        guard let state = state(at: hash) else { return nil }
        return try codec.get(state, pallet, item, arguments)
    }

    /// The spec version in force at a block (the best block when nil).
    public func specVersion(at hash: [UInt8]? = nil) -> UInt32 {
        specVersion(number: hash.flatMap { byHash[$0] }.map { UInt64($0) } ?? best.number)
    }

    private func specVersion(number: UInt64) -> UInt32 {
        upgrades.last { $0.from <= number }?.specVersion ?? runtime.specVersion
    }

    /// Writes (or, with nil, removes) a storage value in the next block, as a
    /// `sudo(System.set_storage)` would: for tests and tools that need a change no epoch makes.
    public func setStorage(_ pallet: String, _ item: String, _ arguments: [DynamicValue], to value: DynamicValue?) throws {
        let key = StateKey(try codec.key(pallet, item, arguments))
        pendingWrites.append((key, try value.map { try codec.encode(pallet, item, $0) }))
    }

    /// Simulates a runtime upgrade taking effect with the next block.
    public func upgradeRuntime(to specVersion: UInt32) {
        upgrades.append((best.number + 1, specVersion))
    }

    // MARK: Events

    public func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1024))
        let id = nextListener
        nextListener += 1
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeListener(id) }
        }
        return stream
    }

    private func removeListener(_ id: Int) { listeners[id] = nil }

    private func emit(_ event: Event) {
        for continuation in listeners.values { continuation.yield(event) }
    }

    // MARK: Writing

    /// Validates and queues an extrinsic for the next block; returns its hash.
    public func submit(_ bytes: [UInt8]) throws(TransactionInvalid) -> [UInt8] {
        let hash = Blake2b.hash256(bytes)
        if pool.contains(where: { $0.hash == hash }) { throw .alreadyImported }
        if let included = banned[hash], best.number < included + Self.banBlocks { throw .temporarilyBanned }
        var state = blocks[blocks.count - 1].state
        // Extrinsics already queued count: the next nonce is after them.
        for pending in pool { _ = try? executor.apply(pending.extrinsic, index: 0, state: &state) }
        let bestNumber = best.number
        // Against the version the node reports (at its best block), as a Substrate pool does;
        // an upgrade taking effect before inclusion makes it invalid at block production.
        let extrinsic = try executor.validate(bytes, state: state, best: bestNumber, specVersion: specVersion(number: bestNumber)) { number in
            number < UInt64(self.blocks.count) ? self.blocks[Int(number)].hash : nil
        }
        pool.append((hash, extrinsic, bytes))
        emit(.extrinsic(hash: hash, status: .ready))
        return hash
    }

    /// Produces the next block: epochs due, then the queued extrinsics.
    @discardableResult
    public func produceBlock() throws -> BlockHeader {
        let parent = blocks[blocks.count - 1]
        let number = parent.header.number + 1
        var state = parent.state
        _ = try world.advance(to: number, state: &state)
        for write in pendingWrites { state[write.key] = write.value }
        pendingWrites.removeAll()
        var included: [[UInt8]] = []
        var records: [DynamicValue] = []
        var inBlock: [[UInt8]] = []
        for pending in pool {
            // Re-checked against this block's state: an earlier extrinsic may have spent the funds.
            guard (try? executor.validate(pending.bytes, state: state, best: parent.header.number, specVersion: specVersion(number: number), blockHash: { self.blockHash($0) })) != nil else {
                emit(.extrinsic(hash: pending.hash, status: .invalid("no longer valid")))
                continue
            }
            let before = state
            do {
                records += try executor.apply(pending.extrinsic, index: UInt32(included.count), state: &state)
            } catch {
                // A call this DevChain cannot carry out is its own failing, not the sender's: the
                // extrinsic is dropped, and the chain goes on rather than failing every block.
                state = before
                emit(.extrinsic(hash: pending.hash, status: .invalid("the DevChain could not apply it: \(error)")))
                continue
            }
            included.append(pending.bytes)
            inBlock.append(pending.hash)
        }
        pool.removeAll()
        let eventsType = try metadata.storageEntry(pallet: "System", item: "Events").entry.valueType
        state[StateKey(try codec.key("System", "Events", []))] = try DynamicValueEncoder(registry: metadata.registry).encode(.sequence(records), as: eventsType)
        try codec.set(&state, "System", "Number", [], .unsigned(UInt128(number)))
        try codec.set(&state, "Timestamp", "Now", [], .unsigned(UInt128(world.timestamp(block: number))))
        try codec.set(&state, "Balances", "TotalIssuance", [], .unsigned(try world.totalIssuance(in: state)))
        let header = BlockHeader(parentHash: parent.hash, number: number, stateRoot: ChainBlock.stateRoot(state), extrinsicsRoot: ChainBlock.extrinsicsRoot(included))
        let block = ChainBlock(header: header, extrinsics: included, state: state)
        blocks.append(block)
        byHash[block.hash] = blocks.count - 1
        prune()
        banned = banned.filter { number < $0.value + Self.banBlocks }
        for hash in inBlock {
            banned[hash] = number
            emit(.extrinsic(hash: hash, status: .inBlock(block.hash)))
            awaitingFinality.append((hash, number, block.hash))
        }
        let finalizedHeader = finalized
        emit(.newBlock(header, finalized: finalizedHeader))
        let finalizedNumber = finalizedHeader.number
        for waiting in awaitingFinality where waiting.block <= finalizedNumber {
            emit(.extrinsic(hash: waiting.hash, status: .finalized(waiting.blockHash)))
        }
        awaitingFinality.removeAll { $0.block <= finalizedNumber }
        return header
    }

    /// Old blocks keep their header but drop their state (it is what takes memory).
    private func prune() {
        let cutoff = blocks.count - configuration.retainedBlocks - 1
        guard cutoff > 0, !blocks[cutoff].state.isEmpty else { return }
        let old = blocks[cutoff]
        blocks[cutoff] = ChainBlock(header: old.header, extrinsics: old.extrinsics, state: [:])
    }
}

/// Produces blocks at the configured interval until shutdown.
public struct DevChainBlockProducer: Service {
    public let chain: DevChain
    public let logger: Logger

    public init(chain: DevChain, logger: Logger) {
        self.chain = chain
        self.logger = logger
    }

    public func run() async throws {
        let interval = chain.configuration.blockInterval
        try? await cancelWhenGracefulShutdown {
            var next = ContinuousClock.now + interval
            while !Task.isCancelled {
                try await Task.sleep(until: next)
                next += interval
                do {
                    let header = try await chain.produceBlock()
                    if header.number % 100 == 0 { logger.info("block", metadata: ["number": "\(header.number)"]) }
                } catch {
                    logger.error("block production failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
