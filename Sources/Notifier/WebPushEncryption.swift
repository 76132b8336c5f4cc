import Crypto
import Foundation

/// RFC 8291 message encryption for Web Push, in RFC 8188's `aes128gcm` content coding, one
/// record. A fresh sender key pair and salt per message: nothing is reused between messages.
public enum WebPushEncryption {
    /// The record size announced in the header: one record holds any alert payload.
    static let recordSize: UInt32 = 4_096

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case invalidSubscriptionKey
        case tooLarge(Int)

        public var description: String {
            switch self {
            case .invalidSubscriptionKey: return "the subscription's p256dh is not a P-256 public key"
            case .tooLarge(let count): return "a push message holds at most 3 993 bytes, got \(count)"
            }
        }
    }

    /// The request body: header (salt, record size, sender public key) then the sealed record.
    public static func encrypt(_ plaintext: [UInt8], to subscription: (p256dh: [UInt8], auth: [UInt8]),
                               senderKey: P256.KeyAgreement.PrivateKey = .init(), salt: [UInt8]? = nil) throws(Failure) -> [UInt8] {
        guard plaintext.count + 1 + 16 <= Int(recordSize) - 86 else { throw .tooLarge(plaintext.count) }
        let receiver: P256.KeyAgreement.PublicKey
        do { receiver = try P256.KeyAgreement.PublicKey(x963Representation: subscription.p256dh) } catch { throw .invalidSubscriptionKey }
        let shared: SharedSecret
        do { shared = try senderKey.sharedSecretFromKeyAgreement(with: receiver) } catch { throw .invalidSubscriptionKey }
        let senderPublic = Array(senderKey.publicKey.x963Representation)
        let salt = salt ?? (0..<16).map { _ in UInt8.random(in: 0...255) }

        // RFC 8291 §3.4: the input keying material mixes the ECDH secret with the auth secret
        // and both public keys.
        let keyInfo = Array("WebPush: info\u{0}".utf8) + subscription.p256dh + senderPublic
        let ikm = shared.withUnsafeBytes { secret in
            HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Array(secret)), salt: subscription.auth, info: keyInfo, outputByteCount: 32)
        }
        // RFC 8188 §2.2 and §2.3.
        let cek = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Array("Content-Encoding: aes128gcm\u{0}".utf8), outputByteCount: 16)
        let nonce = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Array("Content-Encoding: nonce\u{0}".utf8), outputByteCount: 12)
        // The last (only) record ends with the 0x02 delimiter.
        let record = plaintext + [0x02]
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(record, using: cek, nonce: try AES.GCM.Nonce(data: nonce.withUnsafeBytes { Array($0) }))
        } catch {
            throw .invalidSubscriptionKey
        }
        var body = salt
        withUnsafeBytes(of: recordSize.bigEndian) { body.append(contentsOf: $0) }
        body.append(UInt8(senderPublic.count))
        body.append(contentsOf: senderPublic)
        body.append(contentsOf: sealed.ciphertext)
        body.append(contentsOf: sealed.tag)
        return body
    }
}
