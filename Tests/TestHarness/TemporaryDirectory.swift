import Foundation

public enum TemporaryDirectory {
    /// A new empty directory under the system temp dir, readable by other users
    /// (PostgreSQL runs as `postgres` when the tests run as root).
    public static func make(_ prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "taostream-\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return path
    }
}
