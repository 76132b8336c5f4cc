import NIOCore

/// Which addresses an alert may send to. By default only public unicast ones: an alert must not
/// become a way into the operator's network (loopback, private ranges, link-local with the cloud
/// metadata service at 169.254.169.254, carrier-grade NAT, unique-local IPv6, multicast, and the
/// IPv4 ranges hidden in IPv6 forms). The operator can allow private targets
/// (`TAOSTREAM_WEBHOOK_ALLOW_PRIVATE`), as the tests do for their loopback receivers.
public struct AddressPolicy: Sendable, Equatable {
    public var allowPrivate: Bool

    public init(allowPrivate: Bool = false) { self.allowPrivate = allowPrivate }

    public func permits(_ address: SocketAddress) -> Bool {
        allowPrivate || Self.isPublic(address)
    }

    public static func isPublic(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4):
            return isPublic(v4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            return isPublic(v6: bytes)
        default:
            return false
        }
    }

    /// `address` in host order.
    public static func isPublic(v4 address: UInt32) -> Bool {
        let blocked: [(UInt32, Int)] = [
            (0x0000_0000, 8),   // "this network"
            (0x0A00_0000, 8),   // 10/8
            (0x6440_0000, 10),  // 100.64/10 carrier-grade NAT
            (0x7F00_0000, 8),   // loopback
            (0xA9FE_0000, 16),  // link-local, cloud metadata
            (0xAC10_0000, 12),  // 172.16/12
            (0xC000_0000, 24),  // 192.0.0/24 protocol assignments
            (0xC000_0200, 24),  // TEST-NET-1
            (0xC0A8_0000, 16),  // 192.168/16
            (0xC612_0000, 15),  // 198.18/15 benchmarking
            (0xC633_6400, 24),  // TEST-NET-2
            (0xCB00_7100, 24),  // TEST-NET-3
            (0xE000_0000, 4),   // multicast
            (0xF000_0000, 4),   // reserved, broadcast
        ]
        return !blocked.contains { network, length in address >> UInt32(32 - length) == network >> UInt32(32 - length) }
    }

    public static func isPublic(v6 bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return false }
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, with :: and ::1), ::ffff:0:a.b.c.d
        // (translated) and the NAT64 prefix 64:ff9b::/96 carry an IPv4 address: judge that.
        let v4 = bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) }
        let zeros = bytes[0..<8].allSatisfy { $0 == 0 }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        let compatible = bytes[0..<12].allSatisfy { $0 == 0 }
        let translated = zeros && bytes[8] == 0xFF && bytes[9] == 0xFF && bytes[10] == 0 && bytes[11] == 0
        let nat64 = bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...]
        if mapped || compatible || translated || nat64 { return isPublic(v4: v4) }
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B && bytes[4] == 0x00 && bytes[5] == 0x01 { return false }  // 64:ff9b:1::/48, local NAT64
        if bytes[0] == 0xFF { return false }  // multicast
        if bytes[0] & 0xFE == 0xFC { return false }  // fc00::/7 unique local
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return false }  // fe80::/10 link-local
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0xC0 { return false }  // fec0::/10 site-local (deprecated)
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return false }  // documentation
        if bytes[0] == 0x20 && bytes[1] == 0x02 {  // 6to4 embeds an IPv4 address
            return isPublic(v4: bytes[2..<6].reduce(0) { $0 << 8 | UInt32($1) })
        }
        return true
    }
}
