/// Why the DevChain refused an extrinsic before including it, worded as Substrate nodes word it
/// (JSON-RPC error 1010 "Invalid Transaction", with this as `data`).
public enum TransactionInvalid: Error, Equatable, CustomStringConvertible {
    case badProof
    case stale
    case future
    case payment
    case ancientBirthBlock
    case undecodable(String)

    public var description: String {
        switch self {
        case .badProof: "Transaction has a bad signature"
        case .stale: "Transaction is outdated"
        case .future: "Transaction will be valid in the future"
        case .payment: "Inability to pay some fees (e.g. account balance too low)"
        case .ancientBirthBlock: "Transaction has an ancient birth block"
        case .undecodable(let reason): "Could not decode the extrinsic: \(reason)"
        }
    }
}
