import Model
import SubstrateCore

/// Typed reads from a node over one connection: blocks, runtime versions, metadata (cached),
/// paged keys and batched values.
struct ChainReader: Sendable {
    let connection: ChainRPCConnection
    let cache: MetadataCache

    static let pageSize = 1000
    static let valueBatch = 500

    func hash(_ value: JSONValue, _ method: String) throws -> [UInt8] {
        guard case .string(let text) = value, let bytes = try? Hex.decode(text), bytes.count == 32 else {
            throw ChainRPCError.unexpectedAnswer(method: method, detail: "not a block hash: \(value)")
        }
        return bytes
    }

    func blockHash(_ number: UInt64) async throws -> [UInt8]? {
        let answer = try await connection.request("chain_getBlockHash", [.unsigned(number)])
        if answer == .null { return nil }
        return try hash(answer, "chain_getBlockHash")
    }

    func finalizedHead() async throws -> (number: UInt64, hash: [UInt8]) {
        let hash = try hash(try await connection.request("chain_getFinalizedHead"), "chain_getFinalizedHead")
        return (try await number(of: hash), hash)
    }

    func number(of hash: [UInt8]) async throws -> UInt64 {
        let header = try await connection.request("chain_getHeader", [.string(Hex.encode(hash, prefixed: true))])
        return try Self.number(header)
    }

    static func number(_ header: JSONValue) throws -> UInt64 {
        guard case .object(let object) = header, case .string(let text)? = object["number"],
              let number = UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: text.hasPrefix("0x") ? 16 : 10)
        else { throw ChainRPCError.unexpectedAnswer(method: "chain_getHeader", detail: "no block number") }
        return number
    }

    func specVersion(at hash: [UInt8]) async throws -> UInt32 {
        let version = try await connection.request("state_getRuntimeVersion", [.string(Hex.encode(hash, prefixed: true))])
        guard case .object(let object) = version else { throw ChainRPCError.unexpectedAnswer(method: "state_getRuntimeVersion", detail: "\(version)") }
        switch object["specVersion"] {
        case .integer(let value)?: return UInt32(clamping: value)
        case .unsigned(let value)?: return UInt32(clamping: value)
        default: throw ChainRPCError.unexpectedAnswer(method: "state_getRuntimeVersion", detail: "no specVersion")
        }
    }

    /// The metadata in force at `hash`: from the cache when this genesis and spec were seen before.
    func metadata(genesis: [UInt8], at hash: [UInt8]) async throws -> (RuntimeMetadata, specVersion: UInt32) {
        let spec = try await specVersion(at: hash)
        if let cached = cache.load(genesis: genesis, specVersion: spec) { return (cached, spec) }
        let answer = try await connection.request("state_call", ["Metadata_metadata_at_version", "0x0f000000", .string(Hex.encode(hash, prefixed: true))])
        var bytes: [UInt8]?
        if case .string(let text) = answer, let raw = try? Hex.decode(text) {
            var decoder = ScaleDecoder(raw)
            if (try? decoder.decodeOptionTag()) == true { bytes = try? decoder.decodeByteVector() }
        }
        if bytes == nil {
            // Nodes without the V15 API answer state_getMetadata (V14).
            let legacy = try await connection.request("state_getMetadata", [.string(Hex.encode(hash, prefixed: true))])
            if case .string(let text) = legacy { bytes = try? Hex.decode(text) }
        }
        guard let bytes else { throw ChainRPCError.unexpectedAnswer(method: "state_getMetadata", detail: "no metadata") }
        let metadata = try RuntimeMetadata(prefixed: bytes)
        cache.store(bytes, genesis: genesis, specVersion: spec)
        return (metadata, spec)
    }

    /// Every key under `prefix` at `hash`, page by page.
    func keys(prefix: [UInt8], at hash: [UInt8]) async throws -> [[UInt8]] {
        var keys: [[UInt8]] = []
        var start: JSONValue = .null
        while true {
            let page = try await connection.request("state_getKeysPaged", [
                .string(Hex.encode(prefix, prefixed: true)), .integer(Int64(Self.pageSize)), start, .string(Hex.encode(hash, prefixed: true)),
            ])
            guard case .array(let items) = page else { throw ChainRPCError.unexpectedAnswer(method: "state_getKeysPaged", detail: "not a list") }
            for item in items {
                guard case .string(let text) = item, let key = try? Hex.decode(text) else { continue }
                keys.append(key)
            }
            guard items.count == Self.pageSize, let last = items.last else { return keys }
            start = last
        }
    }

    /// The values of `keys` at `hash` (nil where absent), in batches, several in flight at once so
    /// the node works while this side parses.
    func values(_ keys: [[UInt8]], at hash: [UInt8], inFlight: Int = 4) async throws -> [[UInt8]: [UInt8]] {
        let batches = stride(from: 0, to: keys.count, by: Self.valueBatch).map { Array(keys[$0..<min(keys.count, $0 + Self.valueBatch)]) }
        let block = JSONValue.string(Hex.encode(hash, prefixed: true))
        var values: [[UInt8]: [UInt8]] = [:]
        values.reserveCapacity(keys.count)
        try await withThrowingTaskGroup(of: [([UInt8], [UInt8])].self) { group in
            var next = 0
            func launch() {
                guard next < batches.count else { return }
                let batch = batches[next]
                next += 1
                group.addTask {
                    let answer = try await connection.request("state_queryStorageAt", [.array(batch.map { .string(Hex.encode($0, prefixed: true)) }), block])
                    return try Self.pairs(answer)
                }
            }
            for _ in 0..<inFlight { launch() }
            while let pairs = try await group.next() {
                for (key, value) in pairs { values[key] = value }
                launch()
            }
        }
        return values
    }

    static func pairs(_ answer: JSONValue) throws -> [([UInt8], [UInt8])] {
        guard case .array(let sets) = answer else { throw ChainRPCError.unexpectedAnswer(method: "state_queryStorageAt", detail: "not a list") }
        var pairs: [([UInt8], [UInt8])] = []
        for set in sets {
            guard case .object(let object) = set, case .array(let changes)? = object["changes"] else { continue }
            pairs.reserveCapacity(changes.count)
            for change in changes {
                guard case .array(let pair) = change, pair.count == 2, case .string(let keyText) = pair[0], let key = try? Hex.decode(keyText) else { continue }
                if case .string(let valueText) = pair[1], let value = try? Hex.decode(valueText) { pairs.append((key, value)) }
            }
        }
        return pairs
    }
}
