import Foundation

#if canImport(Glibc)
import Glibc

/// Writes to the validator never raise SIGPIPE (which would end the whole test process): a write
/// after it died fails like any other.
private let noSigPipe = Int32(MSG_NOSIGNAL)
/// Close-on-exec from the start, so no other child started meanwhile keeps the validator's input open.
private let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
#else
private let noSigPipe: Int32 = 0
private let socketType = SOCK_STREAM
#endif

/// web-client-spec's JSON Schemas as a service for the tests: `Tests/Oracle/contract.py --serve`
/// (Python jsonschema, draft 2020-12, from .venv-oracle), one process for the whole test process,
/// started on first use and shared by every caller.
///
/// Each JSON text goes to it as one line and its answer comes back as one line, in the same order:
/// ``submit(_:as:)`` writes the line and returns at once with a ``Verdict`` to wait for, so any
/// number of messages from any number of callers are in flight together, and each caller waits for
/// its own answers only.
///
/// The process ends with the test process: it is stopped at exit; its stdin and stdout are one
/// socket whose other end only this process holds, so it reads the end of its input if this
/// process dies without exiting; and it watches its parent.
public final class ContractValidator: Sendable {
    /// What a JSON text is checked against.
    public enum Schema: Sendable, Hashable, CustomStringConvertible {
        /// A message the server sends: the schema of its `type` among `$defs/ServerMessage`.
        case serverMessage
        /// A message a client sends: the schema of its `type` among `$defs/ClientMessage`.
        case clientMessage
        /// One definition, `$defs/NAME`: the Redis payloads (`CommandRecord`, `CommandStatus`,
        /// `DividendChange`, `Resync`, …).
        case definition(String)

        public var description: String {
            switch self {
            case .serverMessage: "a server message"
            case .clientMessage: "a client message"
            case .definition(let name): "$defs/\(name)"
            }
        }

        /// How contract.py tells them apart: a word before the JSON on the line.
        var linePrefix: String {
            switch self {
            case .serverMessage: ""
            case .clientMessage: "client "
            case .definition(let name): "$defs/\(name) "
            }
        }
    }

    /// The answer for one JSON text, once it is in.
    public final class Verdict: Sendable {
        private struct State: Sendable {
            var answer: String?
            var waiter: CheckedContinuation<String, Never>?
        }

        private let state = Locked(State())

        init() {}

        func resolve(_ answer: String) {
            let waiting = state.withLock { current -> CheckedContinuation<String, Never>? in
                guard current.answer == nil else { return nil }
                current.answer = answer
                let found = current.waiter
                current.waiter = nil
                return found
            }
            waiting?.resume(returning: answer)
        }

        /// The raw answer line (one waiter at a time).
        func answer() async -> String {
            await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
                let ready = state.withLock { current -> String? in
                    if let answer = current.answer { return answer }
                    current.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }

        /// nil when the text matches its schema; otherwise every problem found, on one line.
        public func problem() async -> String? {
            let line = await answer()
            return line == "ok" ? nil : line
        }
    }

    private struct Pending: Sendable {
        /// In the order their lines were written: answers arrive in that order.
        var verdicts: [Verdict]
        /// Once set, the validator is gone: every verdict gets this instead of an answer.
        var failure: String? = nil
    }

    private let pid: pid_t
    /// This end of the socket pair that is the validator's stdin and stdout.
    private let descriptor: Int32
    /// The validator's stderr.
    private let log: String
    /// The answer to the first line, `ready`, which the validator prints once it has loaded the schema.
    private let ready: Verdict
    private let pending: Locked<Pending>
    /// Lines written so far; held while a line is written, so lines never interleave and
    /// ``pending`` holds their order.
    private let linesWritten = Locked(0)
    /// How the process ended, once it was reaped.
    private let ended = Locked<String?>(nil)

    private init(pid: pid_t, descriptor: Int32, log: String) {
        self.pid = pid
        self.descriptor = descriptor
        self.log = log
        let ready = Verdict()
        self.ready = ready
        pending = Locked(Pending(verdicts: [ready]))
    }

    /// The validator of this test process, started on the first call. Throws, with what to
    /// install, when it cannot run (`bash scripts/setup-python.sh` makes .venv-oracle).
    public static func shared() async throws -> ContractValidator {
        try await SharedContractValidator.instance.validator()
    }

    /// Sends `json` (one JSON text) to be checked against `schema`; the verdict follows.
    @discardableResult
    public func submit(_ json: String, as schema: Schema = .serverMessage) -> Verdict {
        var line = Array(schema.linePrefix.utf8)
        line.reserveCapacity(line.count + json.utf8.count + 1)
        // A newline can only stand between JSON tokens, where a space means the same.
        for byte in json.utf8 { line.append(byte == 0x0A ? 0x20 : byte) }
        line.append(0x0A)
        let verdict = Verdict()
        linesWritten.withLock { written in
            let failed = pending.withLock { state -> String? in
                if let reason = state.failure { return reason }
                state.verdicts.append(verdict)
                return nil
            }
            if let failed {
                verdict.resolve(failed)
                return
            }
            if let error = Self.transmit(line, to: descriptor) {
                fail("could not write to the contract validator (Tests/Oracle/contract.py): \(error)")
                return
            }
            written += 1
        }
        return verdict
    }

    /// nil when `json` matches `schema`; otherwise every problem found, on one line.
    public func problem(in json: String, as schema: Schema = .serverMessage) async -> String? {
        await submit(json, as: schema).problem()
    }

    // MARK: The process

    static func start() async throws -> ContractValidator {
        let python = ReferenceOracle.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ReferenceOracle.Unavailable(description: "the web-client-spec contract validator needs Python with jsonschema at \(python), which is missing: run `bash scripts/setup-python.sh` (scripts/test.sh does)")
        }
        let script = ReferenceOracle.repositoryRoot.appendingPathComponent("Tests/Oracle/contract.py").path
        let log = NSTemporaryDirectory() + "taostream-contract-\(UUID().uuidString.prefix(8)).log"
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, socketType, 0, &ends) == 0 else {
            throw ReferenceOracle.Unavailable(description: "no socket pair for the contract validator: \(String(cString: strerror(errno)))")
        }
        let pid: pid_t
        do {
            pid = try spawn(python, [script, "--serve"], stdio: ends[1], stderr: log)
        } catch {
            close(ends[0])
            close(ends[1])
            throw error
        }
        close(ends[1])
        let validator = ContractValidator(pid: pid, descriptor: ends[0], log: log)
        running.withLock { $0 = validator }
        _ = exitHook
        let reader = Thread { validator.readAnswers() }
        reader.name = "contract-validator"
        reader.start()
        let first = await validator.ready.answer()
        guard first == "ready" else {
            validator.terminate()
            throw ReferenceOracle.Unavailable(description: "the web-client-spec contract validator did not start (`bash scripts/setup-python.sh` installs what it needs): \(first)")
        }
        return validator
    }

    /// The validator started in this process, for the exit hook.
    private static let running = Locked<ContractValidator?>(nil)

    /// Registered once, with the first validator.
    private static let exitHook: Bool = atexit {
        if let validator = ContractValidator.running.value { validator.terminate() }
    } == 0

    /// Stops the process: SIGTERM, then SIGKILL if it is still there two seconds later.
    func terminate() {
        if ended.value == nil {
            kill(pid, SIGTERM)
            if reap(within: .seconds(2)) == nil {
                kill(pid, SIGKILL)
                _ = reap(within: .seconds(2))
            }
        }
        try? FileManager.default.removeItem(atPath: log)
    }

    /// Runs on its own thread: reads answer lines and hands each to the verdict waiting longest.
    private func readAnswers() {
        var buffered: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffered.append(contentsOf: chunk[0..<count])
            var start = 0
            while let newline = buffered[start...].firstIndex(of: 0x0A) {
                resolveNext(with: String(decoding: buffered[start..<newline], as: UTF8.self))
                start = newline + 1
            }
            buffered.removeFirst(start)
        }
        let how = reap(within: .seconds(5)) ?? "its output ended while it still runs"
        fail("the web-client-spec contract validator (Tests/Oracle/contract.py) stopped (\(how)); its stderr: \(logTail())")
    }

    private func resolveNext(with answer: String) {
        let verdict = pending.withLock { state -> Verdict? in
            state.verdicts.isEmpty ? nil : state.verdicts.removeFirst()
        }
        verdict?.resolve(answer)
    }

    /// From now on every verdict, waiting or to come, is `reason`.
    private func fail(_ reason: String) {
        let (waiting, answer) = pending.withLock { state -> ([Verdict], String) in
            let first = state.failure ?? reason
            state.failure = first
            let all = state.verdicts
            state.verdicts = []
            return (all, first)
        }
        for verdict in waiting { verdict.resolve(answer) }
    }

    /// How the process ended, waiting for it up to `timeout`; nil while it still runs.
    private func reap(within timeout: Duration) -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let how = ended.value { return how }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                // WIFEXITED / WEXITSTATUS by hand: the macros are not imported into Swift.
                let number = raw & 0x7f
                let how = number == 0 ? "exit status \((raw >> 8) & 0xff)" : "signal \(number)"
                return ended.withLock { current in
                    if current == nil { current = how }
                    return current ?? how
                }
            }
            if result == -1 && errno == ECHILD {
                // Reaped already, by the other of the exit hook and the reader thread.
                return ended.withLock { current in
                    if current == nil { current = "ended" }
                    return current ?? "ended"
                }
            }
            if ContinuousClock.now >= deadline { return nil }
            usleep(10_000)
        }
    }

    private func logTail() -> String {
        let text = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "nothing" : String(text.suffix(2000))
    }

    /// Writes all of `bytes`; nil, or why it could not.
    private static func transmit(_ bytes: [UInt8], to descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, noSigPipe)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += count
        }
        return nil
    }

    /// Starts `executable` with `stdio` as its stdin and stdout and `log` as its stderr, set up as
    /// every test child is (``ChildProcess/rawSpawn(_:_:environment:searchPath:setUpDescriptors:)``).
    private static func spawn(_ executable: String, _ arguments: [String], stdio: Int32, stderr log: String) throws -> pid_t {
        do {
            return try ChildProcess.rawSpawn(executable, arguments) { actions in
                posix_spawn_file_actions_adddup2(&actions, stdio, 0)
                posix_spawn_file_actions_adddup2(&actions, stdio, 1)
                posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        } catch {
            throw ReferenceOracle.Unavailable(description: "cannot start the contract validator: \(error)")
        }
    }
}

/// Starts the validator once per test process, whoever asks first.
private actor SharedContractValidator {
    static let instance = SharedContractValidator()
    private var started: Task<ContractValidator, any Error>?

    func validator() async throws -> ContractValidator {
        if let started { return try await started.value }
        let task = Task { try await ContractValidator.start() }
        started = task
        return try await task.value
    }
}
