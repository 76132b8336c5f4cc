import Foundation

/// Where the browser client's files are, wherever the binary is started from: the operator's
/// `TAOSTREAM_WEB_CLIENT_DIR`; else `web-client/` next to the binary or `../share/taostream/client`
/// from it (an installed copy, as the Docker image has it); else `web-client-spec/client` in a directory above the binary (a
/// checkout's `.build/release/taostream`); else that path under the working directory.
public enum WebClientLocation {
    static let installedName = "web-client"
    static let checkoutPath = "web-client-spec/client"
    /// `/usr/local/bin/taostream` → `/usr/local/share/taostream/client`, as the Docker image installs it.
    static let sharePath = "../share/taostream/client"

    public static func resolve(
        configured: String?, executable: String? = Bundle.main.executablePath, workingDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String {
        if let configured, !configured.isEmpty { return configured }
        guard let executable else { return workingDirectory + "/" + checkoutPath }
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for installed in [directory.appendingPathComponent(installedName), directory.appendingPathComponent(sharePath)] where hasClient(installed.path) {
            return installed.standardizedFileURL.path
        }
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(checkoutPath)
            if hasClient(candidate.path) { return candidate.path }
            directory.deleteLastPathComponent()
        }
        return workingDirectory + "/" + checkoutPath
    }

    static func hasClient(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/index.html")
    }
}
