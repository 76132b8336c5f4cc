/// What an API token allows. `trade` is needed for every command that moves funds; reading needs
/// `read`; `alerts` lets the token create alert rules, which make the server send requests out.
public enum Scope: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case read
    case trade
    case alerts

    public var description: String { rawValue }

    /// Parses a comma- or space-separated list such as `read,trade`.
    public static func parseList(_ text: String) throws(ScopeError) -> Set<Scope> {
        let names = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        guard !names.isEmpty else { throw ScopeError(name: text) }
        var scopes = Set<Scope>()
        for name in names {
            guard let scope = Scope(rawValue: name.lowercased()) else { throw ScopeError(name: name) }
            scopes.insert(scope)
        }
        return scopes
    }
}

public struct ScopeError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var description: String {
        "unknown scope '\(name)': use \(Scope.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}
