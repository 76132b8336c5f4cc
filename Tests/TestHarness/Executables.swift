import Foundation

/// Finds the server binaries the tests need, with the apt package to install when one is missing.
public enum Executables {
    public static func find(_ name: String, package: String, extraDirectories: [String] = []) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + extraDirectories + ["/usr/sbin", "/usr/bin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ChildProcess.SpawnError(description: "\(name) not found: install it with `apt-get install \(package)` (scripts/setup.sh does this)")
    }

    /// PostgreSQL keeps initdb and postgres out of PATH on Debian.
    public static func postgres(_ name: String) throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        return try find(name, package: "postgresql", extraDirectories: versions.map { "\(root)/\($0)/bin" })
    }
}
