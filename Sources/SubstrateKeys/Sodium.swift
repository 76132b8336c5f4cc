import SubstrateCore
import CSodium

/// Access to libsodium's process-wide initialisation and its CSPRNG.
///
/// `sodium_init()` is idempotent and thread-safe; a `static let` runs it once, lazily, without any
/// mutable global state of our own.
enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    static func ensureInitialised() {
        // libsodium only fails to initialise when the system RNG is unusable; signing without
        // randomness is not something to continue past.
        precondition(initialised, "libsodium could not be initialised (no usable system RNG)")
    }

    /// `count` bytes from libsodium's CSPRNG (getrandom(2) on Linux).
    static func randomBytes(_ count: Int) -> [UInt8] {
        ensureInitialised()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return bytes
    }

    /// Overwrites a Swift array's storage with zeros (best effort: copies made earlier survive).
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
        }
    }

    /// Constant-time equality for secrets and MACs.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in sodium_memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0 }
        }
    }
}

/// A fixed-size heap buffer for secret key material, zeroed with `sodium_memzero` when the last
/// reference goes away. Immutable after initialisation, so it can be shared between tasks.
final class SecretBuffer: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer

    init(_ bytes: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
        }
        storage = buffer
        count = bytes.count
    }

    /// Takes the bytes and wipes the caller's copy.
    convenience init(consuming bytes: inout [UInt8]) {
        self.init(bytes)
        Sodium.wipe(&bytes)
    }

    let count: Int

    /// A copy of the secret; callers should keep it short-lived (and wipe it where practical).
    var bytes: [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    deinit {
        sodium_memzero(storage.baseAddress!, storage.count)
        storage.deallocate()
    }
}
