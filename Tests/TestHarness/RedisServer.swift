import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` on a free loopback port, in a temporary directory, without persistence.
public final class RedisServer: Sendable {
    public let port: Int
    public let password: String?
    public let directory: String
    private let process: Mutex<ChildProcess?>

    public var url: String {
        if let password { return "redis://:\(password)@127.0.0.1:\(port)/0" }
        return "redis://127.0.0.1:\(port)/0"
    }

    private init(port: Int, password: String?, directory: String) {
        self.port = port
        self.password = password
        self.directory = directory
        self.process = Mutex(nil)
    }

    public static func start(password: String? = nil) async throws -> RedisServer {
        let server = RedisServer(port: Network.freePort(), password: password, directory: try TemporaryDirectory.make("redis"))
        try await server.start()
        return server
    }

    /// Starts (again) on the same port, as a restarted Redis would come back.
    public func start() async throws {
        let executable = try Executables.find("redis-server", package: "redis-server")
        var arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory, "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning",
        ]
        if let password { arguments += ["--requirepass", password] }
        let child = try ChildProcess.spawn(executable, arguments, logFile: directory + "/redis.log")
        process.withLock { $0 = child }
        try await Network.waitUntilListening(port: port, what: "redis-server")
    }

    public func stop() async {
        guard let child = process.withLock({ $0 }) else { return }
        await child.stop(signal: SIGTERM)
        process.withLock { $0 = nil }
    }

    /// Stops and removes the directory.
    public func shutdown() async {
        await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
