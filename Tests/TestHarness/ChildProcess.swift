import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A server process started for a test.
///
/// Spawned with `posix_spawn`, an empty signal mask and default signal handlers: children that
/// Foundation's `Process` starts inherit a blocked mask on Linux and then ignore SIGTERM.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    private let exitStatus = Mutex<Int32?>(nil)

    private init(pid: pid_t, executable: String) {
        self.pid = pid
        self.executable = executable
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Starts `executable` with `arguments`; stdout and stderr go to `logFile` (or /dev/null).
    public static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        logFile: String? = nil
    ) throws -> ChildProcess {
        let output = logFile ?? "/dev/null"
        let pid = try rawSpawn(executable, arguments, environment: environment, searchPath: true) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let child = ChildProcess(pid: pid, executable: executable)
        ChildRegistry.shared.add(child)
        return child
    }

    /// `posix_spawn` as every child of the tests needs it: `setUpDescriptors` arranges 0, 1 and 2,
    /// nothing else stays open (an inherited descriptor, a build lock or a listening socket, would
    /// outlive this process in a server), signals have their default handling and an empty mask
    /// (`Foundation.Process` children inherit a blocked mask and may ignore SIGTERM), and the child
    /// gets a process group of its own, so a test's Ctrl-C doesn't reach the servers twice.
    public static func rawSpawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        searchPath: Bool = false,
        setUpDescriptors: (inout posix_spawn_file_actions_t) -> Void
    ) throws -> pid_t {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        setUpDescriptors(&fileActions)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&fileActions, descriptor)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }

        var pid: pid_t = 0
        let result = searchPath
            ? posix_spawnp(&pid, executable, &fileActions, &attributes, argv, env)
            : posix_spawn(&pid, executable, &fileActions, &attributes, argv, env)
        guard result == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Runs a command to completion and returns its exit status and combined output.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
        let log = NSTemporaryDirectory() + "taostream-run-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try spawn(executable, arguments, environment: environment, logFile: log)
        let status = await child.waitForExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (status, output)
    }

    public func signal(_ signal: Int32) {
        if exitStatus.withLock({ $0 }) == nil {
            kill(pid, signal)
        }
    }

    /// Polls rather than blocking a cooperative thread in `waitpid`.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(60)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = reap() { return status }
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    public var isRunning: Bool { reap() == nil }

    private func reap() -> Int32? {
        exitStatus.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                // WIFEXITED / WEXITSTATUS by hand: the macros are not imported into Swift.
                let signalled = raw & 0x7f
                status = signalled == 0 ? (raw >> 8) & 0xff : 128 + signalled
                ChildRegistry.shared.remove(pid)
                return status
            }
            if result == -1 && errno == ECHILD {
                status = -1
                return status
            }
            return nil
        }
    }

    /// Stops the process: `signal` first, SIGKILL if it has not exited within `grace`.
    public func stop(signal: Int32 = SIGTERM, grace: Duration = .seconds(10)) async {
        self.signal(signal)
        await waitForExit(timeout: grace)
    }
}

/// Every child still running when the test process exits is killed, so no test run leaves
/// servers behind even when a test forgets to stop one.
final class ChildRegistry: Sendable {
    static let shared: ChildRegistry = {
        let registry = ChildRegistry()
        atexit { ChildRegistry.shared.killAll() }
        return registry
    }()

    private let pids = Mutex<Set<pid_t>>([])

    func add(_ child: ChildProcess) { _ = pids.withLock { $0.insert(child.pid) } }
    func remove(_ pid: pid_t) { _ = pids.withLock { $0.remove(pid) } }

    func killAll() {
        for pid in pids.withLock({ $0 }) {
            kill(pid, SIGKILL)
        }
    }
}
