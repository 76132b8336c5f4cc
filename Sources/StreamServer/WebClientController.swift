import Foundation
import Hummingbird

/// Serves the reference browser client (web-client-spec/client) at `/`. Only its files, by name:
/// nothing else on disk is reachable. The service worker (web push notifications) must be served
/// from the root to control the page.
struct WebClientController: Sendable {
    let directory: String

    static let files: [String: String] = [
        "index.html": "text/html; charset=utf-8",
        "app.js": "text/javascript; charset=utf-8",
        "style.css": "text/css; charset=utf-8",
        "sw.js": "text/javascript; charset=utf-8",
    ]

    func register(in router: Router<StreamRequestContext>) {
        router.get("/") { _, _ in try serve("index.html") }
        for name in Self.files.keys where name != "index.html" {
            router.get(RouterPath(name)) { _, _ in try serve(name) }
        }
    }

    func serve(_ name: String) throws -> Response {
        guard let type = Self.files[name], let data = FileManager.default.contents(atPath: directory + "/" + name) else {
            throw HTTPError(.notFound, message: "the web client is not installed on this server (TAOSTREAM_WEB_CLIENT_DIR)")
        }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
