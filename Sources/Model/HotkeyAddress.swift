/// Validates hotkeys given by clients.
// TEMPORARY: structural check only; replaced by the full SS58 decode (checksum included) from
// SubstrateCore before this lands.
public enum HotkeyAddress {
    static let alphabet = Set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")

    public static func validate(_ text: String) throws(ProtocolError) -> String {
        if let bad = text.firstIndex(where: { !alphabet.contains($0) }) {
            throw ProtocolError(.invalidHotkey, "'\(text)' is not an SS58 address: '\(text[bad])' at position \(text.distance(from: text.startIndex, to: bad) + 1) is not a base58 character")
        }
        guard (46...48).contains(text.count) else {
            throw ProtocolError(.invalidHotkey, "'\(text)' is not an SS58 address: it has \(text.count) characters, a 32-byte account has 47 or 48")
        }
        return text
    }
}
