import SubstrateCore

/// Why a call or extrinsic could not be built.
public enum ExtrinsicError: Error, CustomStringConvertible {
    case metadata(MetadataError)
    case missingArgument(call: String, argument: String)
    case unexpectedArguments(call: String, names: [String])
    case badArgument(call: String, argument: String, reason: DynamicValueError)
    case unknownSignedExtension(String)
    case unexpectedSignedExtension(String, String)
    case unsupportedExtrinsicVersion(UInt8)
    case signingFailed(String)

    public var description: String {
        switch self {
        case .metadata(let error): "\(error)"
        case .missingArgument(let call, let argument): "\(call) needs the argument '\(argument)'"
        case .unexpectedArguments(let call, let names): "\(call) takes no argument named \(names.joined(separator: ", "))"
        case .badArgument(let call, let argument, let reason): "argument '\(argument)' of \(call) does not fit its type: \(reason)"
        case .unknownSignedExtension(let name):
            "the runtime requires the signed extension '\(name)', which TaoStream does not know how to fill; a signature would be rejected, so nothing was signed (update TaoStream for this runtime)"
        case .unexpectedSignedExtension(let name, let detail):
            "the runtime's signed extension '\(name)' changed: \(detail); a signature would be rejected, so nothing was signed (update TaoStream for this runtime)"
        case .unsupportedExtrinsicVersion(let version): "extrinsic version \(version) is not supported (version 4 is)"
        case .signingFailed(let reason): "signing failed: \(reason)"
        }
    }
}
