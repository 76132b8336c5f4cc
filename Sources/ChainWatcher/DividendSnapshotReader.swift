import Model
import SubstrateCore

/// Reads dividend maps at a block, through the metadata in force: every subnet, or a few.
struct DividendSnapshotReader: Sendable {
    let reader: ChainReader
    let metadata: RuntimeMetadata
    let kinds: [DividendKind]

    /// The kinds of `wanted` this runtime has (all known ones when `wanted` is nil).
    static func present(in metadata: RuntimeMetadata, wanted: [DividendKind]?) -> [DividendKind] {
        (wanted ?? DividendKind.known).filter { metadata.hasStorageEntry(pallet: "SubtensorModule", item: $0.rawValue) }
    }

    /// All values of the tracked maps; with `netuids`, only those subnets.
    func read(at hash: [UInt8], netuids: [UInt16]? = nil) async throws -> [DividendKey: UInt64] {
        var result: [DividendKey: UInt64] = [:]
        for kind in kinds {
            let storage = try StorageKey(metadata: metadata, pallet: "SubtensorModule", item: kind.rawValue)
            var keys: [[UInt8]] = []
            if let netuids {
                for netuid in netuids { keys += try await reader.keys(prefix: try storage.key([.unsigned(UInt128(netuid))]), at: hash) }
            } else {
                keys = try await reader.keys(prefix: storage.item.prefix, at: hash)
            }
            let values = try await reader.values(keys, at: hash)
            for (key, value) in values {
                let arguments = try storage.arguments(of: key)
                guard arguments.count == 2, let netuid = arguments[0]?.unsignedValue, case .string(let hotkey)? = arguments[1],
                      value.count == 8, let amount = try? UInt64(scaleEncoded: value)
                else { continue }
                result[DividendKey(kind: kind, netuid: UInt16(netuid), hotkey: hotkey)] = amount
            }
        }
        return result
    }

    /// Subnets whose epoch ran in block `number` (their `LastMechansimStepBlock` is that block).
    func epochs(at hash: [UInt8], number: UInt64) async throws -> [UInt16] {
        guard metadata.hasStorageEntry(pallet: "SubtensorModule", item: "LastMechansimStepBlock") else { return [] }
        let storage = try StorageKey(metadata: metadata, pallet: "SubtensorModule", item: "LastMechansimStepBlock")
        let keys = try await reader.keys(prefix: storage.item.prefix, at: hash)
        var ran: [UInt16] = []
        for (key, value) in try await reader.values(keys, at: hash) {
            guard let step = try? UInt64(scaleEncoded: value), step == number,
                  let netuid = try storage.arguments(of: key).first??.unsignedValue else { continue }
            ran.append(UInt16(netuid))
        }
        return ran.sorted()
    }
}
