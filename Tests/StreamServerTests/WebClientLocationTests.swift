import Foundation
@testable import StreamServer
import TestHarness
import Testing

/// The browser client is found from the binary's place, whatever the working directory.
@Suite("Where the web client is found")
struct WebClientLocationTests {
    /// A fake install: `root/bin/taostream`, with client files where `layout` puts them.
    static func install(_ layout: String?) throws -> (root: String, binary: String) {
        let root = try TemporaryDirectory.make("web-client")
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/bin/taostream", contents: Data())
        if let layout {
            try FileManager.default.createDirectory(atPath: root + "/" + layout, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: root + "/" + layout + "/index.html", contents: Data("<html>".utf8))
        }
        return (root, root + "/bin/taostream")
    }

    @Test func theOperatorsDirectoryWinsThenNextToTheBinaryThenAShareDirectoryThenACheckoutAbove() throws {
        let elsewhere = "/nonexistent-working-directory"
        let configured = try Self.install("bin/web-client")
        #expect(WebClientLocation.resolve(configured: "/srv/client", executable: configured.binary, workingDirectory: elsewhere) == "/srv/client")
        #expect(WebClientLocation.resolve(configured: nil, executable: configured.binary, workingDirectory: elsewhere) == configured.root + "/bin/web-client")
        let shared = try Self.install("share/taostream/client")
        #expect(WebClientLocation.resolve(configured: nil, executable: shared.binary, workingDirectory: elsewhere) == shared.root + "/share/taostream/client")
        // A checkout: .build/release/taostream finds web-client-spec/client two levels up.
        let checkout = try Self.install("web-client-spec/client")
        try FileManager.default.createDirectory(atPath: checkout.root + "/bin/.build/release", withIntermediateDirectories: true)
        let built = checkout.root + "/bin/.build/release/taostream"
        FileManager.default.createFile(atPath: built, contents: Data())
        #expect(WebClientLocation.resolve(configured: nil, executable: built, workingDirectory: elsewhere) == checkout.root + "/web-client-spec/client")
    }

    @Test func withoutAnyCopyTheWorkingDirectorysPathIsTried() throws {
        let bare = try Self.install(nil)
        #expect(WebClientLocation.resolve(configured: nil, executable: bare.binary, workingDirectory: "/w") == "/w/web-client-spec/client")
        #expect(WebClientLocation.resolve(configured: "", executable: nil, workingDirectory: "/w") == "/w/web-client-spec/client")
    }
}
