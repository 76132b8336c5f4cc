import Foundation
import SubstrateCore

/// The recorded Bittensor node answers in Tests/Fixtures/chain (see its README for their origin).
enum ChainFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/chain")

    /// The recorded runtime metadata, shipped with the DevChain that serves it.
    static let metadataDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/DevChain/Resources")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: metadataDirectory.appendingPathComponent(name), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `state_getMetadata` at spec 343: V14.
    static let metadataV14Hex = try! text("spec343-state_getMetadata.hex")
    /// `Metadata_metadata_at_version(15)` at spec 343.
    static let metadataV15Hex = try! text("spec343-metadata_at_version_15.hex")

    static let v14 = try! RuntimeMetadata(rpcResult: metadataV14Hex)
    static let v15 = try! RuntimeMetadata(rpcResult: metadataV15Hex)

    /// `{ scenario: { method: { params-as-JSON-text: response } } }`.
    static func recordedRPC() throws -> [String: [String: [String: Any]]] {
        let data = try Data(contentsOf: directory.appendingPathComponent("recorded-rpc.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: [String: [String: Any]]] ?? [:]
    }
}

/// A small deterministic PRNG (SplitMix64) so property and fuzz tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func hex(_ text: String) -> [UInt8] { try! Hex.decode(text) }
