import Foundation
import TestHarness

/// The built `taostream` executable, found next to the test bundle.
enum TaoStreamBinary {
    static var path: String {
        get throws {
            let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
                let path = candidate.appendingPathComponent("taostream").path
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
            throw ChildProcess.SpawnError(description: "taostream was not built next to \(bundleDirectory.path); run `swift build` first")
        }
    }

    /// Runs `taostream` to completion with a clean TAOSTREAM_* environment.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(try path, arguments, environment: cleanEnvironment.merging(environment) { $1 })
    }

    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TAOSTREAM_") }
            .merging(["TAOSTREAM_ENV_FILE": "/dev/null"]) { $1 }
    }
}
