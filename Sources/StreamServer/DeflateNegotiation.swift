import Foundation

/// permessage-deflate negotiation (RFC 7692 §5, §7.1) for a server that compresses each message on
/// its own: it always answers with `server_no_context_takeover` (so the same compressed bytes suit
/// every client) and `client_no_context_takeover` (so one decompressor per event loop serves every
/// connection), both of which a server may add to any offer.
enum DeflateNegotiation {
    /// The window the shared compressor uses; a client that cannot take at least this is served plain.
    static let serverWindowBits = 12

    /// The response header value for the first acceptable offer in `headerValues`, or nil to
    /// serve this client uncompressed.
    static func accept(_ headerValues: [String]) -> String? {
        for offer in headerValues.flatMap({ $0.split(separator: ",") }) {
            if let answer = answer(to: offer) { return answer }
        }
        return nil
    }

    private static func answer(to offer: Substring) -> String? {
        let parts = offer.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "permessage-deflate" else { return nil }
        var answer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        var seen = Set<String>()
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let name = pair[0].lowercased()
            // A parameter given twice makes the offer invalid.
            guard seen.insert(name).inserted else { return nil }
            let value = pair.count > 1 ? pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : nil
            switch name {
            case "server_no_context_takeover", "client_no_context_takeover":
                guard value == nil else { return nil }
            case "client_max_window_bits":
                // Our decompressor takes any window: nothing to answer.
                if let value { guard let bits = Int(value), (8...15).contains(bits) else { return nil } }
            case "server_max_window_bits":
                guard let value, let bits = Int(value), (8...15).contains(bits) else { return nil }
                guard bits >= serverWindowBits else { return nil }
                answer += "; server_max_window_bits=\(bits)"
            default:
                return nil
            }
        }
        return answer
    }
}
