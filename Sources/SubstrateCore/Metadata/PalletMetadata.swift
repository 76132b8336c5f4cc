/// One pallet of the runtime.
public struct PalletMetadata: Sendable {
    public let name: String
    public let index: UInt8
    public let storage: PalletStorageMetadata?
    public let callType: UInt32?
    public let eventType: UInt32?
    public let constants: [ConstantMetadata]
    public let errorType: UInt32?
    /// V15 only.
    public let docs: [String]

    public func storageEntry(_ name: String) -> StorageEntryMetadata? {
        storage?.entries.first { $0.name == name }
    }
}

public struct PalletStorageMetadata: Sendable {
    /// Hashed with Twox128 into the first half of every key (usually the pallet name).
    public let prefix: String
    public let entries: [StorageEntryMetadata]
}

public struct ConstantMetadata: Sendable {
    public let name: String
    public let type: UInt32
    public let value: [UInt8]
    public let docs: [String]
}
