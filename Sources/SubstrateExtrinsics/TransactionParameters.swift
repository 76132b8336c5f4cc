/// What a signature commits to besides the call: the account's nonce, the tip, the validity
/// window and the chain (genesis hash, runtime versions).
public struct TransactionParameters: Sendable, Equatable {
    public var nonce: UInt64
    public var tip: UInt128
    public var era: Era
    public var genesisHash: [UInt8]
    /// The hash of the era's birth block (the genesis hash for an immortal era).
    public var birthBlockHash: [UInt8]
    public var specVersion: UInt32
    public var transactionVersion: UInt32

    public init(nonce: UInt64, tip: UInt128 = 0, era: Era, genesisHash: [UInt8], birthBlockHash: [UInt8], specVersion: UInt32, transactionVersion: UInt32) {
        self.nonce = nonce
        self.tip = tip
        self.era = era
        self.genesisHash = genesisHash
        self.birthBlockHash = birthBlockHash
        self.specVersion = specVersion
        self.transactionVersion = transactionVersion
    }
}
