import Foundation
import TestHarness
import Testing

@Suite("taostream wallet")
struct WalletCommandTests {
    static let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
    static let address = "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
    static let publicKey = "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a"

    /// Runs taostream with `input` on standard input.
    func run(_ arguments: [String], input: String, environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TaoStreamBinary.path)
        process.arguments = arguments
        process.environment = TaoStreamBinary.cleanEnvironment.merging(environment) { $1 }
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func regenColdkeyWritesAnEncryptedWalletTheSDKOpens() throws {
        let directory = try TemporaryDirectory.make("wallets")
        let environment = ["TAOSTREAM_WALLET_PATH": directory, "TAOSTREAM_WALLET_NAME": "ops", "TAOSTREAM_COLDKEY_PASSWORD": "Correct-Horse-42"]
        let regen = try run(["wallet", "regen-coldkey"], input: Self.phrase + "\n", environment: environment)
        #expect(regen.status == 0, "\(regen.output)")
        #expect(regen.output.contains(Self.address))
        #expect(!regen.output.contains("Correct-Horse-42") && !regen.output.contains("curtain"))

        let coldkey = directory + "/ops/coldkey"
        let raw = try Data(contentsOf: URL(fileURLWithPath: coldkey))
        #expect(raw.starts(with: Array("$NACL".utf8)), "the coldkey must be encrypted on disk")
        let answers = try ReferenceOracle.run([
            ["cmd": "read_keyfile", "path": coldkey, "keyfile_password": "Correct-Horse-42"],
            ["cmd": "read_keyfile", "path": coldkey, "keyfile_password": "wrong"],
        ])
        #expect((answers[0].value as? [String: Any])?["public_key"] as? String == Self.publicKey, "\(answers[0])")
        #expect(answers[1].value == nil)

        let show = try run(["wallet", "show"], input: "", environment: environment)
        #expect(show.status == 0, "\(show.output)")
        #expect(show.output.contains("coldkey  \(Self.address)"), "\(show.output)")
        #expect(show.output.contains("password configured"))
        #expect(!show.output.contains("Correct-Horse-42"))

        // A second regen does not silently replace the key.
        let again = try run(["wallet", "regen-coldkey"], input: Self.phrase, environment: environment)
        #expect(again.status != 0)
        #expect(again.output.contains("exists") || again.output.contains("overwrite"), "\(again.output)")
    }

    @Test func regenWithoutAPasswordSourceRefusesAndSaysHow() throws {
        let directory = try TemporaryDirectory.make("wallets")
        let result = try run(["wallet", "regen-coldkey", "--wallet-path", directory], input: Self.phrase, environment: [:])
        #expect(result.status != 0)
        #expect(result.output.contains("TAOSTREAM_COLDKEY_PASSWORD"), "\(result.output)")
    }

    @Test func aMistypedMnemonicNamesThePositionNotTheWord() throws {
        let directory = try TemporaryDirectory.make("wallets")
        let typo = Self.phrase.replacingOccurrences(of: "curtain", with: "curtainx")
        let result = try run(["wallet", "regen-coldkey", "--no-encryption", "--wallet-path", directory], input: typo, environment: [:])
        #expect(result.status != 0)
        #expect(result.output.contains("word 5"), "\(result.output)")
        #expect(!result.output.contains("curtain"), "\(result.output)")
        #expect(!result.output.contains("bottom drive"))
    }
}
