/// Why the DevChain refused an extrinsic before including it, worded as Substrate nodes word it:
/// JSON-RPC error 1010 "Invalid Transaction" with this as `data`, or the transaction pool's own
/// refusals of a transaction it has seen (1012 banned, 1013 already imported).
public enum TransactionInvalid: Error, Equatable, CustomStringConvertible {
    case badProof
    case stale
    case future
    case payment
    case ancientBirthBlock
    case undecodable(String)
    /// The same bytes are already waiting in the pool.
    case alreadyImported
    /// The same bytes were included recently; the pool refuses them for a while.
    case temporarilyBanned

    /// The JSON-RPC error code a Substrate node answers with.
    public var code: Int64 {
        switch self {
        case .alreadyImported: 1013
        case .temporarilyBanned: 1012
        default: 1010
        }
    }

    public var description: String {
        switch self {
        case .badProof: "Transaction has a bad signature"
        case .stale: "Transaction is outdated"
        case .future: "Transaction will be valid in the future"
        case .payment: "Inability to pay some fees (e.g. account balance too low)"
        case .ancientBirthBlock: "Transaction has an ancient birth block"
        case .undecodable(let reason): "Could not decode the extrinsic: \(reason)"
        case .alreadyImported: "Transaction Already Imported"
        case .temporarilyBanned: "Transaction is temporarily banned"
        }
    }
}
