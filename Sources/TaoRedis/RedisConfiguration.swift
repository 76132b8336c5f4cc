import Foundation

/// Where and how to reach a Redis server, parsed from a `redis://[[user]:password@]host[:port][/db]` URL.
public struct RedisConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// Upper bound for every command round trip; a blocking command gets its block time on top.
    public var commandTimeout: Duration
    public var connectTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        commandTimeout: Duration = .seconds(5),
        connectTimeout: Duration = .seconds(3)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.commandTimeout = commandTimeout
        self.connectTimeout = connectTimeout
    }

    public init(url string: String) throws(RedisError) {
        // The error must not echo a password, so it quotes the URL only after stripping credentials.
        let safe = Self.redact(string)
        guard let components = URLComponents(string: string) else {
            throw .invalidURL(safe, reason: "not a URL")
        }
        guard components.scheme == "redis" else {
            throw .invalidURL(safe, reason: "the scheme must be redis:// (TLS rediss:// is not supported)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL(safe, reason: "no host")
        }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else {
                throw .invalidURL(safe, reason: "the path must be a database number, got '\(path)'")
            }
            database = number
        }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else {
            throw .invalidURL(safe, reason: "port \(port) is out of range")
        }
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.init(host: host, port: port, username: user, password: password, database: database)
    }

    /// The URL with the password replaced, safe for logs and error messages.
    public var redactedURL: String {
        var credentials = ""
        if password != nil {
            credentials = "\(username ?? ""):***@"
        } else if let username {
            credentials = "\(username)@"
        }
        return "redis://\(credentials)\(host):\(port)/\(database)"
    }

    public var description: String { redactedURL }

    static func redact(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://") else { return url }
        guard schemeEnd.upperBound <= at else { return url }
        return url[..<schemeEnd.upperBound] + "***" + url[at...]
    }
}
