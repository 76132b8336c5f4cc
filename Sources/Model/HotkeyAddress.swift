import SubstrateCore

/// Validates hotkeys given by clients: a full SS58 decode, checksum included, for the Bittensor
/// network (prefix 42), so a typo is reported instead of silently matching nothing.
public enum HotkeyAddress {
    public static func validate(_ text: String) throws(ProtocolError) -> String {
        do {
            return try AccountID(ss58: text).ss58
        } catch {
            throw ProtocolError(.invalidHotkey, "'\(text)' is not a valid hotkey address: \(error)")
        }
    }
}
