import Foundation
import SubstrateCore

/// Runtime metadata on disk, keyed by genesis hash and spec version: a restarted watcher decodes
/// it in milliseconds instead of downloading ~300 KB first.
public struct MetadataCache: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public static var defaultDirectory: String {
        let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
        return base + "/taostream/metadata"
    }

    func path(genesis: [UInt8], specVersion: UInt32) -> String {
        "\(directory)/\(Hex.encode(genesis))-\(specVersion).scale"
    }

    public func load(genesis: [UInt8], specVersion: UInt32) -> RuntimeMetadata? {
        guard let data = FileManager.default.contents(atPath: path(genesis: genesis, specVersion: specVersion)) else { return nil }
        // A damaged file is only a cache miss.
        return try? RuntimeMetadata(prefixed: [UInt8](data))
    }

    public func store(_ bytes: [UInt8], genesis: [UInt8], specVersion: UInt32) {
        let target = path(genesis: genesis, specVersion: specVersion)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = target + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else { return }
        _ = try? FileManager.default.replaceItemAt(URL(fileURLWithPath: target), withItemAt: URL(fileURLWithPath: temporary))
        if FileManager.default.fileExists(atPath: temporary) { try? FileManager.default.moveItem(atPath: temporary, toPath: target) }
    }
}
