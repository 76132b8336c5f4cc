import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL cluster made by `initdb` in a temporary directory, on a free loopback port.
///
/// Run as root (as in CI), PostgreSQL refuses to start, so the cluster belongs to the `postgres`
/// user and its programs are started through `setpriv`.
public final class PostgresServer: Sendable {
    public let port: Int
    public let directory: String
    public let user = "taostream"
    private let process = Mutex<ChildProcess?>(nil)

    private init(port: Int, directory: String) {
        self.port = port
        self.directory = directory
    }

    var dataDirectory: String { directory + "/data" }

    public static func start() async throws -> PostgresServer {
        let server = PostgresServer(port: Network.freePort(), directory: try TemporaryDirectory.make("postgres"))
        try await server.initialise()
        try await server.start()
        return server
    }

    /// One cluster for the whole test process; each test makes its own database in it.
    public static func shared() async throws -> PostgresServer {
        try await SharedPostgres.instance.server()
    }

    private func initialise() async throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try Self.handOver(directory)
        let (status, output) = try await Self.runAsOwner(
            try Executables.postgres("initdb"),
            ["-D", dataDirectory, "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]
        )
        guard status == 0 else { throw ChildProcess.SpawnError(description: "initdb failed (\(status)): \(output)") }
    }

    /// Starts the server (again, after ``stop()``) on the same port and data.
    public func start() async throws {
        let arguments = [
            "-D", dataDirectory, "-p", "\(port)", "-k", directory, "-h", "127.0.0.1",
            "-F", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
        ]
        let (executable, fullArguments) = try Self.asOwner(try Executables.postgres("postgres"), arguments)
        let child = try ChildProcess.spawn(executable, fullArguments, logFile: directory + "/postgres.log")
        process.withLock { $0 = child }
        let deadline = ContinuousClock.now + .seconds(30)
        let isReady = try Executables.postgres("pg_isready")
        while true {
            let (status, _) = try await ChildProcess.run(isReady, ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", "postgres"])
            if status == 0 { return }
            guard child.isRunning, ContinuousClock.now < deadline else {
                let log = (try? String(contentsOfFile: directory + "/postgres.log", encoding: .utf8)) ?? ""
                throw ChildProcess.SpawnError(description: "PostgreSQL did not become ready on port \(port): \(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Fast shutdown (SIGINT): what an outage looks like to clients.
    public func stop() async {
        guard let child = process.withLock({ $0 }) else { return }
        await child.stop(signal: SIGINT, grace: .seconds(20))
        process.withLock { $0 = nil }
    }

    /// A new empty database; returns its URL.
    public func createDatabase(_ prefix: String = "test") async throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let (status, output) = try await ChildProcess.run(
            try Executables.postgres("createdb"), ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, name]
        )
        guard status == 0 else { throw ChildProcess.SpawnError(description: "createdb failed: \(output)") }
        return url(database: name)
    }

    public func url(database: String) -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)"
    }

    static var isRoot: Bool { geteuid() == 0 }

    static func asOwner(_ executable: String, _ arguments: [String]) throws -> (String, [String]) {
        guard isRoot else { return (executable, arguments) }
        let setpriv = try Executables.find("setpriv", package: "util-linux")
        return (setpriv, ["--reuid=postgres", "--regid=postgres", "--clear-groups", "--", executable] + arguments)
    }

    static func runAsOwner(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let (command, fullArguments) = try asOwner(executable, arguments)
        return try await ChildProcess.run(command, fullArguments)
    }

    /// Gives the directory tree to `postgres` when running as root.
    static func handOver(_ path: String) throws {
        guard isRoot else { return }
        guard let account = getpwnam("postgres") else {
            throw ChildProcess.SpawnError(description: "running as root needs a `postgres` user: `apt-get install postgresql` creates it")
        }
        let uid = account.pointee.pw_uid, gid = account.pointee.pw_gid
        chown(path, uid, gid)
        if let walker = FileManager.default.enumerator(atPath: path) {
            for case let item as String in walker { chown(path + "/" + item, uid, gid) }
        }
    }
}

private actor SharedPostgres {
    static let instance = SharedPostgres()
    private var started: Task<PostgresServer, any Error>?

    func server() async throws -> PostgresServer {
        if let started { return try await started.value }
        let task = Task { try await PostgresServer.start() }
        started = task
        return try await task.value
    }
}
