import CSodium

/// BLAKE2b (RFC 7693) through libsodium's `crypto_generichash`: digests of 16 to 64 bytes,
/// optionally keyed.
public enum Blake2b {
    public static func hash(_ input: some Collection<UInt8>, size: Int = 32, key: [UInt8] = []) -> [UInt8] {
        precondition((16...64).contains(size), "BLAKE2b digests are 16 to 64 bytes")
        precondition(key.count <= 64, "BLAKE2b keys are at most 64 bytes")
        let message = Array(input)
        var out = [UInt8](repeating: 0, count: size)
        let status = message.withUnsafeBufferPointer { messagePointer in
            key.withUnsafeBufferPointer { keyPointer in
                crypto_generichash(&out, size, messagePointer.baseAddress, UInt64(message.count), keyPointer.baseAddress, key.count)
            }
        }
        precondition(status == 0, "crypto_generichash failed")
        return out
    }

    public static func hash128(_ input: some Collection<UInt8>) -> [UInt8] { hash(input, size: 16) }
    public static func hash256(_ input: some Collection<UInt8>) -> [UInt8] { hash(input, size: 32) }
    public static func hash512(_ input: some Collection<UInt8>) -> [UInt8] { hash(input, size: 64) }
}
