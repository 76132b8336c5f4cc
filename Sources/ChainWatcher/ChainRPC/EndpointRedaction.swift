/// A node URL as logs and errors may show it: providers put API keys in the user-info or the
/// query (`wss://user:key@host/…`, `…?apikey=…`), and those must not reach a log.
enum EndpointRedaction {
    static func redacted(_ endpoint: String) -> String {
        var text = endpoint
        if let query = text.firstIndex(of: "?") { text = String(text[..<query]) + "?***" }
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
           !text[scheme.upperBound..<at].contains("/") {
            text = String(text[..<scheme.upperBound]) + "***" + String(text[at...])
        }
        return text
    }
}
