import Foundation
import SubstrateCore

/// The recorded runtime the DevChain serves: node-subtensor spec 343, as a mainnet node answered
/// `state_getMetadata` (V14) and `Metadata_metadata_at_version(15)`.
public enum RecordedRuntime {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// `(V14, V15)` prefixed metadata bytes (`meta` + version + metadata).
    public static func metadata() throws -> (v14: [UInt8], v15: [UInt8]) {
        (try load("spec343-state_getMetadata"), try load("spec343-metadata_at_version_15"))
    }

    static func load(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "hex", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: name, withExtension: "hex")
        else { throw Missing(description: "the DevChain's recorded metadata \(name).hex is missing from its resource bundle; reinstall taostream") }
        let text = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = try Hex.decode(text)
        if bytes.starts(with: Array("meta".utf8)) { return bytes }
        // Metadata_metadata_at_version answers Option<Vec<u8>>.
        var decoder = ScaleDecoder(bytes)
        guard try decoder.decodeOptionTag() else { throw Missing(description: "\(name).hex holds no metadata") }
        return try decoder.decodeByteVector()
    }
}
