import Foundation
import TestHarness
import Testing

/// No Docker engine runs here: the deployment files are checked against their specifications.
@Suite("Deployment files")
struct DeploymentTests {
    let root = ReferenceOracle.repositoryRoot

    @Test func composeFileFollowsTheComposeSpecification() throws {
        let checker = root.appendingPathComponent(".venv-oracle/bin/check-jsonschema").path
        guard FileManager.default.isExecutableFile(atPath: checker) else {
            throw ReferenceOracle.Unavailable(description: "check-jsonschema is missing; run `bash scripts/setup-python.sh`")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: checker)
        process.arguments = ["--builtin-schema", "vendor.compose-spec", root.appendingPathComponent("docker-compose.yml").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
    }

    @Test func everySettingTheComposeFileNeedsIsInTheEnvExample() throws {
        let compose = try String(contentsOf: root.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let example = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        #expect(compose.contains("env_file: .env"))
        for required in ["POSTGRES_PASSWORD", "TAOSTREAM_REDIS_URL", "TAOSTREAM_DATABASE_URL", "TAOSTREAM_NETWORK"] {
            #expect(example.contains("\(required)="), "\(required) missing from .env.example")
        }
        // Services the issue asks for.
        for service in ["redis:", "postgres:", "watcher:", "server:", "devchain:"] {
            #expect(compose.contains("  \(service)"), "no \(service) service")
        }
        #expect(!example.contains("COLDKEY_PASSWORD="), "the coldkey password must come from a secret file, not the env file")
    }

    @Test func theImageBuildsOnlyTheServiceAndShipsOnlyRuntimeLibraries() throws {
        let dockerfile = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("FROM swift:6"))
        #expect(dockerfile.contains("FROM debian:bookworm-slim"))
        #expect(dockerfile.contains("--product taostream"))
        #expect(!dockerfile.contains("-dev ") || dockerfile.components(separatedBy: "FROM").last?.contains("-dev") == false, "the runtime stage must not install -dev packages")
    }
}
