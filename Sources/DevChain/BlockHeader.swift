import Model
import SubstrateCore

/// A block header as the JSON-RPC shows it; its hash is BLAKE2b-256 of its SCALE encoding.
public struct BlockHeader: Sendable, Equatable {
    public let parentHash: [UInt8]
    public let number: UInt64
    public let stateRoot: [UInt8]
    public let extrinsicsRoot: [UInt8]

    public var encoded: [UInt8] {
        var encoder = ScaleEncoder()
        encoder.append(parentHash)
        encoder.encodeCompact(UInt32(truncatingIfNeeded: number))
        encoder.append(stateRoot)
        encoder.append(extrinsicsRoot)
        encoder.encodeCompact(UInt8(0))  // digest: no logs
        return encoder.bytes
    }

    public var hash: [UInt8] { Blake2b.hash256(encoded) }

    var json: JSONValue {
        .object([
            "parentHash": .string(Hex.encode(parentHash, prefixed: true)),
            "number": .string("0x" + String(number, radix: 16)),
            "stateRoot": .string(Hex.encode(stateRoot, prefixed: true)),
            "extrinsicsRoot": .string(Hex.encode(extrinsicsRoot, prefixed: true)),
            "digest": .object(["logs": .array([])]),
        ])
    }
}

/// A produced block: header, extrinsics, and the state after it.
struct ChainBlock: Sendable {
    let header: BlockHeader
    let hash: [UInt8]
    let extrinsics: [[UInt8]]
    let state: [StateKey: [UInt8]]

    init(header: BlockHeader, extrinsics: [[UInt8]], state: [StateKey: [UInt8]]) {
        self.header = header
        self.hash = header.hash
        self.extrinsics = extrinsics
        self.state = state
    }

    /// Not a Merkle trie root, but a digest of the whole state that changes exactly when it does.
    static func stateRoot(_ state: [StateKey: [UInt8]]) -> [UInt8] {
        var encoder = ScaleEncoder(capacity: state.count * 80)
        for key in state.keys.sorted() {
            encoder.encodeBytes(key.bytes)
            encoder.encodeBytes(state[key]!)
        }
        return Blake2b.hash256(encoder.bytes)
    }

    static func extrinsicsRoot(_ extrinsics: [[UInt8]]) -> [UInt8] {
        Blake2b.hash256(extrinsics.flatMap { Blake2b.hash256($0) })
    }
}
