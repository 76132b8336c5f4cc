import CSodium

/// The ristretto255 prime-order group (RFC 9496) and its scalar field, via libsodium.
///
/// schnorrkel (sr25519) works entirely in this group: public keys and the signature's R are
/// compressed ristretto255 encodings, scalars are integers mod ℓ = 2^252 + 27742317777372353535851937790883648493.
enum Ristretto255 {
    static let encodedLength = 32

    /// A scalar mod ℓ, always held in canonical (fully reduced) little-endian form.
    struct Scalar: Sendable, Equatable {
        private(set) var bytes: [UInt8]

        /// ℓ in little-endian bytes.
        static let order: [UInt8] = [
            0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
        ]

        static let zero = Scalar(uncheckedCanonical: [UInt8](repeating: 0, count: 32))

        private init(uncheckedCanonical bytes: [UInt8]) { self.bytes = bytes }

        /// Reduces a 64-byte little-endian integer mod ℓ (`Scalar::from_bytes_mod_order_wide`).
        init(reducingWide wide: [UInt8]) {
            precondition(wide.count == 64, "wide reduction takes 64 bytes")
            Sodium.ensureInitialised()
            var out = [UInt8](repeating: 0, count: 32)
            out.withUnsafeMutableBufferPointer { o in
                wide.withUnsafeBufferPointer { w in crypto_core_ristretto255_scalar_reduce(o.baseAddress!, w.baseAddress!) }
            }
            bytes = out
        }

        /// Reduces a 32-byte little-endian integer mod ℓ (`Scalar::from_bytes_mod_order`).
        init(reducing bytes32: [UInt8]) {
            precondition(bytes32.count == 32)
            self.init(reducingWide: bytes32 + [UInt8](repeating: 0, count: 32))
        }

        /// Accepts only the canonical encoding (value < ℓ), as `Scalar::from_canonical_bytes`.
        init?(canonical bytes32: [UInt8]) {
            guard bytes32.count == 32, Self.isCanonical(bytes32) else { return nil }
            bytes = bytes32
        }

        /// `value < ℓ`, comparing from the most significant byte down.
        static func isCanonical(_ value: [UInt8]) -> Bool {
            precondition(value.count == 32)
            for i in stride(from: 31, through: 0, by: -1) {
                if value[i] < order[i] { return true }
                if value[i] > order[i] { return false }
            }
            return false  // equal to ℓ
        }

        static func + (lhs: Scalar, rhs: Scalar) -> Scalar { lhs.combine(rhs, crypto_core_ristretto255_scalar_add) }
        static func - (lhs: Scalar, rhs: Scalar) -> Scalar { lhs.combine(rhs, crypto_core_ristretto255_scalar_sub) }
        static func * (lhs: Scalar, rhs: Scalar) -> Scalar { lhs.combine(rhs, crypto_core_ristretto255_scalar_mul) }

        private func combine(
            _ other: Scalar,
            _ operation: (UnsafeMutablePointer<UInt8>, UnsafePointer<UInt8>, UnsafePointer<UInt8>) -> Void
        ) -> Scalar {
            Sodium.ensureInitialised()
            var out = [UInt8](repeating: 0, count: 32)
            out.withUnsafeMutableBufferPointer { o in
                bytes.withUnsafeBufferPointer { a in
                    other.bytes.withUnsafeBufferPointer { b in operation(o.baseAddress!, a.baseAddress!, b.baseAddress!) }
                }
            }
            return Scalar(uncheckedCanonical: out)
        }

        mutating func wipe() { Sodium.wipe(&bytes) }
    }

    /// A valid ristretto255 group element, kept in its 32-byte compressed encoding.
    struct Point: Sendable, Equatable {
        let encoded: [UInt8]

        static let identity = Point(unchecked: [UInt8](repeating: 0, count: 32))

        private init(unchecked encoded: [UInt8]) { self.encoded = encoded }

        /// Decodes and validates an encoding; nil for anything that is not a canonical group element.
        init?(encoded bytes: [UInt8]) {
            guard bytes.count == 32 else { return nil }
            Sodium.ensureInitialised()
            let valid = bytes.withUnsafeBufferPointer { crypto_core_ristretto255_is_valid_point($0.baseAddress!) }
            guard valid == 1 else { return nil }
            encoded = bytes
        }

        var isIdentity: Bool { encoded.allSatisfy { $0 == 0 } }

        /// `scalar · B` for the ristretto255 base point.
        static func base(times scalar: Scalar) -> Point {
            Sodium.ensureInitialised()
            var out = [UInt8](repeating: 0, count: 32)
            // libsodium returns -1 only when the product is the identity, whose encoding is all zeros.
            _ = out.withUnsafeMutableBufferPointer { o in
                scalar.bytes.withUnsafeBufferPointer { s in crypto_scalarmult_ristretto255_base(o.baseAddress!, s.baseAddress!) }
            }
            return Point(unchecked: out)
        }

        /// `scalar · self`.
        func times(_ scalar: Scalar) -> Point {
            Sodium.ensureInitialised()
            var out = [UInt8](repeating: 0, count: 32)
            // self is valid, so a -1 here again means "the product is the identity".
            let rc = out.withUnsafeMutableBufferPointer { o in
                scalar.bytes.withUnsafeBufferPointer { s in
                    encoded.withUnsafeBufferPointer { p in crypto_scalarmult_ristretto255(o.baseAddress!, s.baseAddress!, p.baseAddress!) }
                }
            }
            return rc == 0 ? Point(unchecked: out) : .identity
        }

        static func + (lhs: Point, rhs: Point) -> Point { lhs.combine(rhs, crypto_core_ristretto255_add) }
        static func - (lhs: Point, rhs: Point) -> Point { lhs.combine(rhs, crypto_core_ristretto255_sub) }

        private func combine(
            _ other: Point,
            _ operation: (UnsafeMutablePointer<UInt8>, UnsafePointer<UInt8>, UnsafePointer<UInt8>) -> Int32
        ) -> Point {
            Sodium.ensureInitialised()
            var out = [UInt8](repeating: 0, count: 32)
            let rc = out.withUnsafeMutableBufferPointer { o in
                encoded.withUnsafeBufferPointer { a in
                    other.encoded.withUnsafeBufferPointer { b in operation(o.baseAddress!, a.baseAddress!, b.baseAddress!) }
                }
            }
            precondition(rc == 0, "ristretto255 arithmetic on validated points cannot fail")
            return Point(unchecked: out)
        }
    }
}
