import Foundation
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL database is, parsed from a `postgres://` URL.
public struct DatabaseConfiguration: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil, database: String, tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    public init(url string: String) throws(StoreError) {
        let safe = Self.redact(string)
        guard let components = URLComponents(string: string) else { throw .invalidURL(safe, reason: "not a URL") }
        guard components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw .invalidURL(safe, reason: "the scheme must be postgres://")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL(safe, reason: "no host") }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw .invalidURL(safe, reason: "no user name")
        }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !database.isEmpty else { throw .invalidURL(safe, reason: "no database name in the path") }
        var tls = TLSMode.disable
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw .invalidURL(safe, reason: "sslmode must be disable, prefer or require")
            }
            tls = parsed
        }
        self.init(
            host: host, port: components.port ?? 5432, username: user,
            password: components.percentEncodedPassword?.removingPercentEncoding,
            database: database, tls: tls
        )
    }

    public var redactedURL: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    public var description: String { redactedURL }

    var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: postgresTLS)
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: connectionTLS)
    }

    private var postgresTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: return .disable
        case .prefer: return .prefer(.makeClientConfiguration())
        case .require: return .require(.makeClientConfiguration())
        }
    }

    private var connectionTLS: PostgresConnection.Configuration.TLS {
        switch tls {
        case .disable: return .disable
        case .prefer: return (try? .prefer(.init(configuration: .makeClientConfiguration()))) ?? .disable
        case .require: return (try? .require(.init(configuration: .makeClientConfiguration()))) ?? .disable
        }
    }

    static func redact(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://"), schemeEnd.upperBound <= at else { return url }
        let userInfo = url[schemeEnd.upperBound..<at]
        let user = userInfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        return url[..<schemeEnd.upperBound] + user + (userInfo.contains(":") ? ":***" : "") + url[at...]
    }
}
