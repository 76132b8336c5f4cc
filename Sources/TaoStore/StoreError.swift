/// PostgreSQL problems, told so an operator knows what to change. Never contains a password.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    case unreachable(url: String, reason: String)
    case migrationChanged(version: Int, name: String)
    case migrationFailed(version: Int, name: String, reason: String)
    case invalidInput(String)
    case query(String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "invalid database URL '\(url)': \(reason). Expected postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]."
        case .unreachable(let url, let reason):
            return "cannot use PostgreSQL at \(url): \(reason). Start PostgreSQL or point TAOSTREAM_DATABASE_URL at a running server."
        case .migrationChanged(let version, let name):
            return "migration \(version) (\(name)) differs from the one applied to this database; migrations must never change once released. Restore it and add a new migration instead."
        case .migrationFailed(let version, let name, let reason):
            return "migration \(version) (\(name)) failed and nothing was applied: \(reason)"
        case .invalidInput(let message):
            return message
        case .query(let message):
            return "database query failed: \(message)"
        }
    }
}
