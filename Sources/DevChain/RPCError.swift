import Model

/// A JSON-RPC error object.
struct RPCError: Error {
    let code: Int64
    let message: String
    let data: JSONValue?

    static func methodNotFound(_ method: String) -> RPCError { RPCError(code: -32601, message: "Method not found: \(method)", data: nil) }
    static func invalidParams(_ reason: String) -> RPCError { RPCError(code: -32602, message: "Invalid params: \(reason)", data: nil) }
    static let parseError = RPCError(code: -32700, message: "Parse error", data: nil)
    static let invalidRequest = RPCError(code: -32600, message: "Invalid request", data: nil)
    static func invalidTransaction(_ reason: TransactionInvalid) -> RPCError {
        switch reason.code {
        case 1010: RPCError(code: 1010, message: "Invalid Transaction", data: .string(reason.description))
        // The pool's own refusals carry their reason as the message, as Substrate's do.
        default: RPCError(code: reason.code, message: reason.description, data: nil)
        }
    }
    /// As a pruning node answers for a block it still knows but whose state it dropped.
    static func statePruned(_ hash: String) -> RPCError {
        RPCError(code: 4003, message: "Client error: State already discarded for BlockId::Hash(\(hash))", data: nil)
    }
    static func unknownBlock(_ hash: String) -> RPCError { RPCError(code: 4003, message: "Client error: UnknownBlock: \(hash) not found or pruned", data: nil) }

    var json: JSONValue {
        var object: [String: JSONValue] = ["code": .integer(code), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}
