import Foundation
@testable import TaoConfiguration
import Testing

@Suite("Known settings")
struct KnownSettingsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every `"TAOSTREAM_…"` literal under `directory`.
    static func names(under directory: String) throws -> Set<String> {
        var names = Set<String>()
        let base = root.appendingPathComponent(directory)
        let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let pattern = try NSRegularExpression(pattern: #""(TAOSTREAM_[A-Z0-9_]+)""#)
        // The list itself names the scripts' variables too.
        for file in files where file.pathExtension == "swift" && file.lastPathComponent != "KnownSettings.swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                names.insert((text as NSString).substring(with: match.range(at: 1)))
            }
        }
        return names
    }

    @Test func theListIsWhatTheSourcesReadAndTheREADMEDocumentsIt() throws {
        #expect(try Self.names(under: "Sources").subtracting(["TAOSTREAM_CHIREDIS_SHIM_H", "TAOSTREAM_CZLIB_SHIM_H"]) == KnownSettings.read)
        // In a table row, where an operator looks a setting up, not only somewhere in the prose.
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("|") }.joined(separator: "\n")
        let undocumented = KnownSettings.read.filter { rows.range(of: "\\b\($0)\\b", options: .regularExpression) == nil }
        #expect(undocumented.isEmpty, "not in a README table: \(undocumented.sorted())")
    }

    @Test func aMisspeltVariableIsReportedWithTheNameItMeant() throws {
        let file = try EnvironmentFile(path: ".env", contents: "# settings\n\nTAOSTREAM_REDIS_URLL=x\n")
        let source = SettingsSource(environment: ["TAOSTREAM_HTTP_PROT": "80", "TAOSTREAM_HTTP_PORT": "81", "PATH": "/bin", "TAOSTREAM_ZZZ_QQQ_XXX": "1"], file: file)
        let unknown = KnownSettings.unknown(in: source)
        #expect(unknown.map(\.name) == ["TAOSTREAM_HTTP_PROT", "TAOSTREAM_REDIS_URLL", "TAOSTREAM_ZZZ_QQQ_XXX"])
        #expect(unknown[0].suggestion == "TAOSTREAM_HTTP_PORT")
        #expect(unknown[1].description == "TAOSTREAM_REDIS_URLL (from .env line 3) is not a TaoStream setting; did you mean TAOSTREAM_REDIS_URL?")
        #expect(unknown[2].suggestion == nil)
        #expect(KnownSettings.unknown(in: SettingsSource(environment: ["TAOSTREAM_LOCAL_DATA": "/x"], file: nil)).isEmpty)
    }
}
