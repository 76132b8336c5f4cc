import Foundation
import Logging
import SubstrateCore

/// Runtime metadata on disk, keyed by genesis hash and spec version: a restarted watcher decodes
/// it in milliseconds instead of downloading ~300 KB first.
public struct MetadataCache: Sendable {
    public let directory: String
    let logger: Logger

    public init(directory: String, logger: Logger = Logger(label: "taostream.metadata-cache")) {
        self.directory = directory
        self.logger = logger
    }

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

    /// Writes the metadata; a failure costs only the next start's download, and is logged so an
    /// operator whose cache never fills (a read-only volume) learns why.
    public func store(_ bytes: [UInt8], genesis: [UInt8], specVersion: UInt32) {
        let target = path(genesis: genesis, specVersion: specVersion)
        let temporary = target + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
                throw CocoaError(.fileWriteNoPermission)
            }
            _ = try? FileManager.default.replaceItemAt(URL(fileURLWithPath: target), withItemAt: URL(fileURLWithPath: temporary))
            if FileManager.default.fileExists(atPath: temporary) { try FileManager.default.moveItem(atPath: temporary, toPath: target) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            logger.warning("the runtime metadata could not be cached; each start downloads it again. Make the directory writable or set TAOSTREAM_METADATA_CACHE",
                           metadata: ["directory": "\(directory)", "error": "\(error)"])
        }
    }
}
