import SubstrateCore

/// Validates hotkeys given by clients: a full SS58 decode, checksum included, for the Bittensor
/// network (prefix 42), so a typo is reported instead of silently matching nothing.
public enum HotkeyAddress {
    public static func validate(_ text: String) throws(ProtocolError) -> String {
        do {
            return try AccountID(ss58: text).ss58
        } catch {
            // Echoed only in part: the text is the client's and may be huge.
            let shown = text.utf8.count <= SS58Address.maximumLength ? text : String(text.prefix(16)) + "…"
            throw ProtocolError(.invalidHotkey, "'\(shown)' is not a valid hotkey address: \(error)")
        }
    }
}
