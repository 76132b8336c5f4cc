import Foundation

/// The official Python SDK as an oracle (Tests/Oracle/oracle.py in .venv-oracle, installed by
/// scripts/setup-python.sh). One process per batch: requests in, answers out, in order.
public enum ReferenceOracle {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public enum Answer: @unchecked Sendable {
        case ok(Any)
        case error(kind: String, message: String)

        public var value: Any? { if case .ok(let value) = self { value } else { nil } }
        public var string: String? { value as? String }
    }

    /// The repository root, found from this file's place in it.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var python: String {
        ProcessInfo.processInfo.environment["TAOSTREAM_ORACLE_PYTHON"]
            ?? repositoryRoot.appendingPathComponent(".venv-oracle/bin/python").path
    }

    /// A recorded chain file: the runtime metadata ships with the DevChain, the rest is test data.
    public static func fixture(_ name: String) -> String {
        let folder = name.hasSuffix(".hex") ? "Sources/DevChain/Resources" : "Tests/Fixtures/chain"
        return repositoryRoot.appendingPathComponent("\(folder)/\(name)").path
    }

    /// Runs `requests` through the oracle. Fails (never skips) when the SDK is not installed.
    public static func run(_ requests: [[String: Any]]) throws -> [Answer] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Unavailable(description: "the reference SDK is not installed at \(python); run `bash scripts/setup-python.sh` (scripts/test.sh does)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/Oracle/oracle.py").path]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let body = try JSONSerialization.data(withJSONObject: requests)
        // Write and read concurrently: a large batch would otherwise fill both pipes and deadlock.
        let writer = Thread {
            input.fileHandleForWriting.write(body)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Unavailable(description: "the oracle failed (exit \(process.terminationStatus)): \(String(decoding: stderr.suffix(2000), as: UTF8.self))")
        }
        return list.map { answer in
            if let value = answer["ok"] { return .ok(value) }
            return .error(kind: answer["error"] as? String ?? "?", message: answer["message"] as? String ?? "")
        }
    }
}
