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
        for required in ["POSTGRES_PASSWORD", "TAOSTREAM_REDIS_URL", "TAOSTREAM_NETWORK"] {
            #expect(example.contains("\(required)="), "\(required) missing from .env.example")
        }
        // One place for the database password: the services' URL is made from it.
        #expect(example.components(separatedBy: "change-me").count == 2, "the password appears more than once in .env.example")
        #expect(!example.contains("TAOSTREAM_DATABASE_URL="))
        #expect(compose.components(separatedBy: "TAOSTREAM_DATABASE_URL: postgres://taostream:${POSTGRES_PASSWORD}@postgres:5432/taostream").count == 3,
                "watcher and server make the URL from POSTGRES_PASSWORD")
        // Commands off needs no password file; the local-node profile needs no edit.
        #expect(compose.contains("${TAOSTREAM_COLDKEY_PASSWORD_SECRET:-/dev/null}"))
        #expect(compose.contains("TAOSTREAM_NETWORK: ${TAOSTREAM_NETWORK:-finney}"))
        // Services the issue asks for.
        for service in ["redis:", "postgres:", "watcher:", "server:", "devchain:"] {
            #expect(compose.contains("  \(service)"), "no \(service) service")
        }
        #expect(!example.contains("COLDKEY_PASSWORD="), "the coldkey password must come from a secret file, not the env file")
    }

    /// The metadata cache's named volume takes the image directory's owner when first mounted:
    /// the image's user must own the path compose mounts, or the cache is never written.
    @Test func theMetadataCacheDirectoryBelongsToTheImagesUser() throws {
        let dockerfile = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let compose = try String(contentsOf: root.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let runtime = dockerfile.components(separatedBy: "\nFROM ").last ?? ""
        let user = try #require(runtime.firstMatch(of: /\nUSER (\w+)/)?.output.1)
        let path = try #require(compose.firstMatch(of: /TAOSTREAM_METADATA_CACHE: (\S+)/)?.output.1)
        #expect(compose.contains("metadata-cache:\(path)"))
        let created = runtime.firstMatch(of: /mkdir -p (\S+)/)?.output.1
        #expect(created.map { path.hasPrefix($0) } == true, "the runtime stage does not create \(path)")
        let owned = runtime.firstMatch(of: /chown -R (\w+):\w+ (\S+)/)
        #expect(owned?.output.1 == user && owned.map { path.hasPrefix($0.output.2) } == true, "\(path) is not owned by \(user)")
    }

    /// The runtime stage must install every system library the binary loads. The release image
    /// links the Swift runtime and Foundation statically, so what they load (libcurl for
    /// FoundationNetworking) becomes the binary's own need: read both from the debug build here.
    @Test func theRuntimeImageInstallsEverySharedLibraryTheBinaryLoads() throws {
        let dockerfile = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let runtimeStage = dockerfile.components(separatedBy: "\nFROM ").last ?? ""
        let binary = try TaoStreamBinary.path
        // The libraries every Debian image has (libc, the GCC runtime, what apt itself needs).
        let base: Set<String> = ["libc6", "libgcc-s1", "libstdc++6"]
        var needed = Set<String>()
        var toolchainLibraries: [String] = []
        for line in try shell("ldd", [binary]).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 3, parts[1] == "=>" else { continue }
            let path = String(parts[2])
            if path.contains("/swift/") { toolchainLibraries.append(path) }
        }
        #expect(!toolchainLibraries.isEmpty, "a debug build loads the Swift runtime dynamically")
        for object in [binary] + toolchainLibraries {
            for line in try shell("readelf", ["-d", object]).split(separator: "\n") where line.contains("(NEEDED)") {
                guard let start = line.firstIndex(of: "["), let end = line.firstIndex(of: "]") else { continue }
                let library = String(line[line.index(after: start)..<end])
                if library.hasPrefix("libswift") || library.hasPrefix("libFoundation") || library.hasPrefix("lib_Foundation")
                    || ["libdispatch.so", "libBlocksRuntime.so"].contains(library) || library.hasPrefix("ld-linux") { continue }
                needed.insert(library)
            }
        }
        #expect(needed.contains("libcurl.so.4") && needed.contains("libhiredis.so.0.14"), "\(needed)")
        for library in needed.sorted() {
            let owner = try shell("dpkg", ["-S", "*/" + library]).split(separator: "\n").first.map { String($0.split(separator: ":")[0]) } ?? ""
            #expect(!owner.isEmpty, "no Debian package holds \(library)")
            guard !base.contains(owner) else { continue }
            #expect(runtimeStage.contains(" \(owner) ") || runtimeStage.contains(" \(owner)\\"), "the runtime stage does not install \(owner) (for \(library))")
        }
    }

    private func shell(_ command: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    @Test func theImageBuildsOnlyTheServiceAndShipsOnlyRuntimeLibraries() throws {
        let dockerfile = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("FROM swift:6"))
        #expect(dockerfile.contains("FROM debian:bookworm-slim"))
        #expect(dockerfile.contains("--product taostream"))
        #expect(!dockerfile.contains("-dev ") || dockerfile.components(separatedBy: "FROM").last?.contains("-dev") == false, "the runtime stage must not install -dev packages")
    }
}
