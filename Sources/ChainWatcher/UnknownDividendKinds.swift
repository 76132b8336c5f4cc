import Model

/// `TAOSTREAM_DIVIDEND_KINDS` names a map the chain's runtime does not define: a typo, or a kind
/// of another runtime. Following the chain without it would publish less than asked, silently.
public struct UnknownDividendKinds: Error, CustomStringConvertible {
    public let missing: [DividendKind]
    /// What this runtime does define, for the message.
    public let available: [DividendKind]
    public let specVersion: UInt32

    public var description: String {
        "TAOSTREAM_DIVIDEND_KINDS names \(missing.map(\.rawValue).joined(separator: ", ")), which the runtime (spec \(specVersion)) does not define; "
            + "it has \(available.map(\.rawValue).joined(separator: ", ")): use those, or leave the setting unset to track them all"
    }
}
