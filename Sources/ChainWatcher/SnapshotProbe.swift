import Logging
import Model

/// One full read of every tracked dividend map at the finalized head, as the watcher does at
/// start: for benchmarks and for operators checking a node.
public enum SnapshotProbe {
    public static func read(endpoint: String, kinds: [DividendKind]? = nil, cache: MetadataCache, logger: Logger) async throws -> [DividendKey: UInt64] {
        let connection = try await ChainRPCConnection.open(endpoint, logger: logger)
        defer { Task { await connection.close() } }
        let reader = ChainReader(connection: connection, cache: cache)
        guard let genesis = try await reader.blockHash(0) else { return [:] }
        let head = try await reader.finalizedHead()
        let (metadata, _) = try await reader.metadata(genesis: genesis, at: head.hash)
        let snapshot = DividendSnapshotReader(reader: reader, metadata: metadata, kinds: DividendSnapshotReader.present(in: metadata, wanted: kinds))
        return try await snapshot.read(at: head.hash)
    }
}
