import Foundation

/// The shape of a DevChain's generated world and its pace.
public struct DevChainConfiguration: Sendable {
    /// Same seed, same genesis; same configuration (seed and ``genesisTimestamp``), same blocks.
    public var seed: UInt64 = 42
    public var subnets: Int = 8
    public var validatorsPerSubnet: Int = 16
    /// Blocks between two epochs of a subnet (Subtensor's `Tempo`).
    public var tempo: UInt16 = 10
    public var blockInterval: Duration = .seconds(12)
    /// Unix time in milliseconds that block 0 stands for: block n's `Timestamp.Now` is this plus
    /// n block intervals, as a node's slots advance. Taken when the configuration is made, so
    /// two chains of one configuration stay identical.
    public var genesisTimestamp: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000)
    /// Finalized head trails the best head by this many blocks.
    public var finalityLag: UInt64 = 2
    /// Blocks whose state stays queryable by hash.
    public var retainedBlocks: Int = 512
    /// Free balance of each dev account at genesis, in rao.
    public var devBalance: UInt64 = 1_000_000 * 1_000_000_000
    /// Flat fee per extrinsic, in rao (plus the tip).
    public var transactionFee: UInt64 = 125_000

    public init() {}
}
