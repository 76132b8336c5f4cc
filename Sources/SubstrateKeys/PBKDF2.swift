import Crypto

/// PBKDF2 (RFC 8018, section 5.2) with HMAC-SHA-512, as BIP-39 and substrate-bip39 use it.
enum PBKDF2 {
    static func hmacSHA512(password: [UInt8], salt: [UInt8], iterations: Int, keyLength: Int) -> [UInt8] {
        precondition(iterations >= 1 && keyLength >= 1)
        let blockLength = SHA512.byteCount
        // The keyed HMAC state is computed once and copied for every block and iteration.
        let keyed = HMAC<SHA512>(key: SymmetricKey(data: password))
        var derived: [UInt8] = []
        derived.reserveCapacity(keyLength)
        var blockIndex: UInt32 = 1
        while derived.count < keyLength {
            var mac = keyed
            mac.update(data: salt)
            mac.update(data: [UInt8(blockIndex >> 24), UInt8((blockIndex >> 16) & 0xFF), UInt8((blockIndex >> 8) & 0xFF), UInt8(blockIndex & 0xFF)])
            var u = Array(mac.finalize())
            var t = u
            for _ in 1..<iterations {
                var next = keyed
                next.update(data: u)
                u = Array(next.finalize())
                for i in 0..<blockLength { t[i] ^= u[i] }
            }
            derived.append(contentsOf: t.prefix(keyLength - derived.count))
            Sodium.wipe(&u)
            Sodium.wipe(&t)
            blockIndex += 1
        }
        return derived
    }
}
