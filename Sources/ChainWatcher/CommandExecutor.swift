import Foundation
import Logging
import Model
import ServiceLifecycle
import SubstrateCore
import SubstrateExtrinsics
import SubstrateKeys
import TaoRedis
import TaoStore

/// Executes queued stake and unstake commands with the operator's coldkey — the only place that
/// holds it. Commands come from the Redis stream through a consumer group and run one at a time,
/// so nonces never collide. Each one is signed once: the signed bytes are stored before they are
/// submitted, and a command found half-done (its executor crashed) is resubmitted with the same
/// bytes, or looked up in recent blocks when the node says its nonce is used.
public final class CommandExecutor: Service, Sendable {
    public struct Settings: Sendable {
        public var consumer: String
        /// Pending entries idle this long are taken over from a consumer presumed dead.
        public var reclaimAfter: Duration
        public var metadataCache: MetadataCache
        public var eraPeriod: UInt64 = 64
        public init(consumer: String = "executor-\(ProcessInfo.processInfo.processIdentifier)", reclaimAfter: Duration = .seconds(60), metadataCache: MetadataCache) {
            self.consumer = consumer
            self.reclaimAfter = reclaimAfter
            self.metadataCache = metadataCache
        }
    }

    let client: ChainClient
    let redis: RedisClient
    let layout: RedisLayout
    let store: CommandStore
    let signer: any Signer
    let settings: Settings
    let logger: Logger

    public init(client: ChainClient, redis: RedisClient, layout: RedisLayout = RedisLayout(), store: CommandStore, signer: any Signer, settings: Settings, logger: Logger) {
        self.client = client
        self.redis = redis
        self.layout = layout
        self.store = store
        self.signer = signer
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.consume()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("command execution paused; retrying", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    private func consume() async throws {
        let key = layout.commandStreamKey
        let group = RedisLayout.commandGroup
        try await redis.xgroupCreate(key, group: group, startingAt: "0")
        // First what this consumer left unfinished, then what others left for too long.
        for entry in try await redis.xreadgroup(group: group, consumer: settings.consumer, stream: key, id: "0", count: 100) {
            try await handle(entry)
        }
        let (_, claimed) = try await redis.xautoclaim(key, group: group, consumer: settings.consumer, minIdle: settings.reclaimAfter, count: 100)
        for entry in claimed { try await handle(entry) }
        var lastReclaim = ContinuousClock.now
        while !Task.isCancelled {
            for entry in try await redis.xreadgroup(group: group, consumer: settings.consumer, stream: key, count: 1, block: .seconds(1)) {
                try await handle(entry)
            }
            if ContinuousClock.now - lastReclaim > settings.reclaimAfter / 2 {
                let (_, claimed) = try await redis.xautoclaim(key, group: group, consumer: settings.consumer, minIdle: settings.reclaimAfter, count: 16)
                for entry in claimed { try await handle(entry) }
                lastReclaim = .now
            }
        }
    }

    private func handle(_ entry: RedisStreamEntry) async throws {
        guard let bytes = entry.fields["command"], let record = try? JSONDecoder().decode(CommandRecord.self, from: Data(bytes)) else {
            logger.error("dropped an unreadable command entry", metadata: ["id": "\(entry.id)"])
            _ = try await redis.xack(layout.commandStreamKey, group: RedisLayout.commandGroup, ids: [entry.id])
            return
        }
        if let status = try await store.status(record.id, logger: logger), status.state.isFinal {
            _ = try await redis.xack(layout.commandStreamKey, group: RedisLayout.commandGroup, ids: [entry.id])
            return
        }
        let final = try await execute(record)
        try await report(final)
        _ = try await redis.xack(layout.commandStreamKey, group: RedisLayout.commandGroup, ids: [entry.id])
    }

    /// Stores and publishes a status (the client may be connected to any server).
    func report(_ status: CommandStatus) async throws {
        try await store.update(status, logger: logger)
        let payload = try JSONEncoder().encode(status)
        _ = try await redis.send(RedisCommand("PUBLISH", RedisArgument(layout.commandStatusChannel(status.commandID)), RedisArgument(bytes: Array(payload))))
    }

    private func execute(_ record: CommandRecord) async throws -> CommandStatus {
        let connection = try await client.connection()
        let reader = ChainReader(connection: connection, cache: settings.metadataCache)
        guard let genesis = try await reader.blockHash(0) else { throw ChainRPCError.unexpectedAnswer(method: "chain_getBlockHash", detail: "no genesis") }
        let bestHeader = try await connection.request("chain_getHeader")
        let best = try ChainReader.number(bestHeader)
        guard let bestHash = try await reader.blockHash(best) else { throw ChainRPCError.unexpectedAnswer(method: "chain_getBlockHash", detail: "no best block") }
        let (metadata, _) = try await reader.metadata(genesis: genesis, at: bestHash)

        var extrinsic: [UInt8]
        var resumed = false
        // Where the signed extrinsic is valid: it is in these blocks, or it never ran and never can.
        var window = (birth: best - min(best, settings.eraPeriod + 8), end: best + settings.eraPeriod + 8)
        if let stored = try await store.signedExtrinsic(record.id, logger: logger), let bytes = try? Hex.decode(stored) {
            // Signed before a crash: the same bytes again, never a second signature.
            extrinsic = bytes
            resumed = true
            if let stored = try await store.eraWindow(record.id, logger: logger) { window = stored }
            logger.notice("resuming a command signed before", metadata: ["command": "\(record.id)"])
        } else {
            let call: Call
            do { call = try Self.call(for: record.command, metadata: metadata) } catch {
                return CommandStatus(commandID: record.id, state: .rejected, error: "bad_command", detail: "\(error)")
            }
            let address = SS58Address(publicKey: signer.publicKey).description
            let nonceValue = try await connection.request("system_accountNextIndex", [.string(address)])
            let nonce: UInt64 = switch nonceValue {
            case .integer(let value): UInt64(clamping: value)
            case .unsigned(let value): value
            default: 0
            }
            // The spec version the node reports (it moves with upgrades); the transaction version from the metadata.
            let runtime = try RuntimeVersion(metadata: metadata)
            let specVersion = try await reader.specVersion(at: bestHash)
            let era = Era(period: settings.eraPeriod, current: best)
            guard let birth = try await reader.blockHash(era.birth(current: best)) else { throw ChainRPCError.unexpectedAnswer(method: "chain_getBlockHash", detail: "no era birth block") }
            let parameters = TransactionParameters(nonce: nonce, era: era, genesisHash: genesis, birthBlockHash: birth,
                                                   specVersion: specVersion, transactionVersion: runtime.transactionVersion)
            let signed = try ExtrinsicBuilder(metadata: metadata).sign(call: call, signer: signer, parameters: parameters)
            let birthNumber = era.birth(current: best)
            let length: UInt64 = if case .mortal(let period, _) = era { period } else { settings.eraPeriod }
            let signedWindow = (birth: birthNumber, end: birthNumber + length)
            let stored = try await store.recordSigned(record.id, extrinsic: signed.hex, hash: Hex.encode(signed.hash, prefixed: true), era: signedWindow, logger: logger)
            if stored == signed.hex {
                window = signedWindow
                extrinsic = signed.bytes
                try await report(CommandStatus(commandID: record.id, state: .signed, extrinsicHash: Hex.encode(signed.hash, prefixed: true)))
            } else {
                // Another executor signed it first: its bytes, never a second transaction.
                logger.warning("another executor signed this command first; is a second watcher running on this Redis?", metadata: ["command": "\(record.id)"])
                extrinsic = try Hex.decode(stored)
                resumed = true
                if let stored = try await store.eraWindow(record.id, logger: logger) { window = stored }
            }
        }
        let hash = Hex.encode(Blake2b.hash256(extrinsic), prefixed: true)
        let hex = Hex.encode(extrinsic, prefixed: true)
        let pending = Pending(record: record, hex: hex, hash: hash, metadata: metadata, reader: reader, window: window)
        // A command resumed after a crash may be on chain already: look before sending it again.
        if resumed, let found = try await findInBlocks(hex, reader: reader, from: window.birth, to: min(best, window.end)) {
            return try await settle(pending, inBlock: found)
        }
        let updates: AsyncThrowingStream<JSONValue, any Error>
        switch try await submit(hex, on: connection) {
        case .success(let stream):
            updates = stream
        case .failure(let refusal) where refusal.code == 1013 || refusal.code == 1012:
            // The pool has these very bytes (sent before a crash) or just included them: they
            // cannot be watched again, so follow the blocks until they show up or their era ends.
            logger.notice("the node already has this transaction; following blocks for it", metadata: ["command": "\(record.id)", "reason": "\(refusal.text)"])
            try await report(CommandStatus(commandID: record.id, state: .submitted, extrinsicHash: hash))
            return try await awaitInclusion(pending)
        case .failure(let refusal):
            // A used nonce: included since the look above (or by another transaction of this coldkey).
            if refusal.contains("outdated") || refusal.contains("Stale"),
               let found = try await findInBlocks(hex, reader: reader, from: window.birth, to: min(try await bestNumber(reader), window.end)) {
                return try await settle(pending, inBlock: found)
            }
            let detail = resumed && refusal.contains("outdated")
                ? "\(refusal.text): the coldkey's nonce was used by another transaction, and no block of this command's validity window holds it; nothing was staked by it"
                : refusal.text
            return CommandStatus(commandID: record.id, state: .failed, extrinsicHash: hash, error: "invalid_transaction", detail: detail)
        }
        try await report(CommandStatus(commandID: record.id, state: .submitted, extrinsicHash: hash))
        var included: [UInt8]?
        for try await update in updates {
            switch update {
            case .object(let object):
                if case .string(let block)? = object["inBlock"], let bytes = try? Hex.decode(block) {
                    included = bytes
                    try await report(try await outcome(of: pending, inBlock: bytes, final: false))
                } else if case .string(let block)? = object["finalized"], let bytes = try? Hex.decode(block) {
                    return try await outcome(of: pending, inBlock: bytes, final: true)
                } else if object["dropped"] != nil || object["invalid"] != nil || object["usurped"] != nil {
                    return CommandStatus(commandID: record.id, state: .failed, extrinsicHash: hash, error: "dropped", detail: "the node dropped the transaction: \(object)")
                }
            case .string(let status) where status == "invalid" || status == "dropped":
                return CommandStatus(commandID: record.id, state: .failed, extrinsicHash: hash, error: status, detail: "the node reported the transaction \(status)")
            default:
                break
            }
        }
        if let included { return try await settle(pending, inBlock: included) }
        throw ChainRPCError.connectionLost(endpoint: connection.endpoint)
    }

    /// What the follow-up of one signed extrinsic needs.
    struct Pending {
        let record: CommandRecord
        let hex: String
        let hash: String
        let metadata: RuntimeMetadata
        let reader: ChainReader
        /// The mortal era's blocks: the birth block, and the first block past it.
        let window: (birth: UInt64, end: UInt64)
    }

    /// Submits and watches; the node's refusals (1010 invalid, 1012 banned, 1013 already in the
    /// pool) come back with their code and message, other errors throw.
    private func submit(_ hex: String, on connection: ChainRPCConnection) async throws -> Result<AsyncThrowingStream<JSONValue, any Error>, RefusedMessage> {
        let refusal: RefusedMessage
        do {
            return .success(try await connection.subscribe("author_submitAndWatchExtrinsic", [.string(hex)]))
        } catch {
            // Anything but the node's verdict (a lost connection) leaves the command pending, retried.
            guard case .nodeError(_, let code, let message) = error, [1010, 1012, 1013].contains(code) else { throw error }
            refusal = RefusedMessage(code: code, text: message)
        }
        return .failure(refusal)
    }

    private func bestNumber(_ reader: ChainReader) async throws -> UInt64 {
        try ChainReader.number(try await reader.connection.request("chain_getHeader"))
    }

    /// Polls the blocks for an extrinsic the node holds but this process cannot watch, until one
    /// includes it or its era has ended in a finalized block. Blocks not yet final are read again
    /// on every pass: a reorganisation may put it at a height already looked at.
    private func awaitInclusion(_ pending: Pending) async throws -> CommandStatus {
        var finalScanned = pending.window.birth - min(pending.window.birth, 1)
        while true {
            let best = try await bestNumber(pending.reader)
            let finalized = try await pending.reader.finalizedHead().number
            let last = min(best, pending.window.end)
            if last > finalScanned, let found = try await findInBlocks(pending.hex, reader: pending.reader, from: finalScanned + 1, to: last) {
                return try await settle(pending, inBlock: found)
            }
            finalScanned = max(finalScanned, min(finalized, last))
            if finalized >= pending.window.end {
                return CommandStatus(commandID: pending.record.id, state: .failed, extrinsicHash: pending.hash, error: "expired",
                                     detail: "the transaction's mortal era ended before any block included it; nothing was staked")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Reports the outcome in `block`, then waits for that block to be finalized.
    private func settle(_ pending: Pending, inBlock block: [UInt8]) async throws -> CommandStatus {
        try await report(try await outcome(of: pending, inBlock: block, final: false))
        let number = try await pending.reader.number(of: block)
        while try await pending.reader.finalizedHead().number < number {
            try await Task.sleep(for: .milliseconds(500))
        }
        guard try await pending.reader.blockHash(number) == block else {
            // Another fork was finalized: the node puts the transaction back in its pool, so it
            // may be in another block of its window, or come in a later one.
            logger.notice("the block that included the command was not finalized; looking for it again", metadata: ["command": "\(pending.record.id)"])
            return try await awaitInclusion(pending)
        }
        return try await outcome(of: pending, inBlock: block, final: true)
    }

    struct RefusedMessage: Error {
        let code: Int64
        let text: String
        func contains(_ part: String) -> Bool { text.contains(part) }
    }

    /// The call a command needs: `add_stake` / `remove_stake`, or their `_limit` forms with a price.
    static func call(for command: StakeCommand, metadata: RuntimeMetadata) throws -> Call {
        let hotkey = DynamicValue.string(command.hotkey)
        let netuid = DynamicValue.unsigned(UInt128(command.netuid))
        let amount = DynamicValue.unsigned(UInt128(command.amount))
        switch (command.action, command.limitPrice) {
        case (.stake, nil):
            return try Call(metadata: metadata, pallet: "SubtensorModule", name: "add_stake", arguments: ["hotkey": hotkey, "netuid": netuid, "amount_staked": amount])
        case (.stake, let price?):
            return try Call(metadata: metadata, pallet: "SubtensorModule", name: "add_stake_limit", arguments: [
                "hotkey": hotkey, "netuid": netuid, "amount_staked": amount, "limit_price": .unsigned(UInt128(price)), "allow_partial": .bool(false),
            ])
        case (.unstake, nil):
            return try Call(metadata: metadata, pallet: "SubtensorModule", name: "remove_stake", arguments: ["hotkey": hotkey, "netuid": netuid, "amount_unstaked": amount])
        case (.unstake, let price?):
            return try Call(metadata: metadata, pallet: "SubtensorModule", name: "remove_stake_limit", arguments: [
                "hotkey": hotkey, "netuid": netuid, "amount_unstaked": amount, "limit_price": .unsigned(UInt128(price)), "allow_partial": .bool(false),
            ])
        }
    }

    /// The hash of the first block from `first` to `last` whose body holds the extrinsic.
    private func findInBlocks(_ hex: String, reader: ChainReader, from first: UInt64, to last: UInt64) async throws -> [UInt8]? {
        guard first <= last else { return nil }
        for number in first...last {
            guard let hash = try await reader.blockHash(number) else { continue }
            let block = try await reader.connection.request("chain_getBlock", [.string(Hex.encode(hash, prefixed: true))])
            if case .object(let object) = block, case .object(let inner)? = object["block"], case .array(let extrinsics)? = inner["extrinsics"],
               extrinsics.contains(.string(hex)) {
                return hash
            }
        }
        return nil
    }

    /// Success or the module error, from the block's `System::Events` for this extrinsic.
    private func outcome(of pending: Pending, inBlock block: [UInt8], final: Bool) async throws -> CommandStatus {
        let (record, hex, hash, metadata, reader) = (pending.record, pending.hex, pending.hash, pending.metadata, pending.reader)
        let blockHex = Hex.encode(block, prefixed: true)
        let answer = try await reader.connection.request("chain_getBlock", [.string(blockHex)])
        guard case .object(let object) = answer, case .object(let inner)? = object["block"], case .array(let extrinsics)? = inner["extrinsics"],
              let index = extrinsics.firstIndex(of: .string(hex))
        else { return CommandStatus(commandID: record.id, state: final ? .failed : .inBlock, extrinsicHash: hash, blockHash: blockHex, error: "not_found", detail: "the extrinsic is not in the block the node named") }
        let events = try StorageKey(metadata: metadata, pallet: "System", item: "Events")
        let raw = try await reader.values([try events.key([])], at: block).values.first
        var failure: (name: String, docs: String)?
        var succeeded = false
        if case .sequence(let records)? = try events.value(raw) {
            for record in records {
                guard case .variant("ApplyExtrinsic", _, .tuple(let phase))? = record[field: "phase"], phase.first?.unsignedValue == UInt128(index),
                      case .variant("System", _, .tuple(let inner))? = record[field: "event"], let event = inner.first,
                      case .variant(let name, _, let fields) = event else { continue }
                if name == "ExtrinsicSuccess" { succeeded = true }
                if name == "ExtrinsicFailed" {
                    failure = ("DispatchError", "the runtime refused the call")
                    if case .variant("Module", _, .tuple(let module))? = fields[field: "dispatch_error"],
                       let pallet = module.first?[field: "index"]?.unsignedValue, case .bytes(let error)? = module.first?[field: "error"],
                       let decoded = metadata.moduleError(palletIndex: UInt8(pallet), errorIndex: error.first ?? 0) {
                        failure = (decoded.name, decoded.docs.joined(separator: " "))
                    }
                }
            }
        }
        if let failure {
            return CommandStatus(commandID: record.id, state: final ? .failed : .inBlock, extrinsicHash: hash, blockHash: blockHex, error: failure.name, detail: failure.docs)
        }
        return CommandStatus(commandID: record.id, state: final ? .finalized : .inBlock, extrinsicHash: hash, blockHash: blockHex,
                             detail: succeeded ? "ExtrinsicSuccess" : "included")
    }
}
