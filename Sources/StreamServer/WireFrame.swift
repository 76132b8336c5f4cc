import NIOCore

/// Server-to-client WebSocket frames as the bytes that go on the wire (RFC 6455 §5.2).
///
/// A server's frames are unmasked, so one frame's bytes are the same for every client: an update
/// is framed once and the same buffer is written to every socket that wants it.
enum WireFrame {
    enum Opcode: UInt8 {
        case text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA
    }

    /// Compressed payloads only pay off above this size; smaller frames go out plain.
    static let compressionThreshold = 512

    /// One whole frame (FIN set) around `payload`; `compressed` sets RSV1 (permessage-deflate).
    static func make(_ opcode: Opcode, payload: ByteBuffer, compressed: Bool = false) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.reserveCapacity(payload.readableBytes + 10)
        writeHeader(opcode, length: payload.readableBytes, compressed: compressed, into: &frame)
        var payload = payload
        frame.writeBuffer(&payload)
        return frame
    }

    static func make(_ opcode: Opcode, bytes: [UInt8], compressed: Bool = false) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.reserveCapacity(bytes.count + 10)
        writeHeader(opcode, length: bytes.count, compressed: compressed, into: &frame)
        frame.writeBytes(bytes)
        return frame
    }

    /// A close frame with a status code and a reason cut to fit a control frame's 125 bytes.
    static func close(code: UInt16, reason: String) -> ByteBuffer {
        var payload = ByteBuffer()
        payload.writeInteger(code)
        payload.writeBytes(truncatedUTF8(reason, limit: 123))
        return make(.close, payload: payload)
    }

    private static func writeHeader(_ opcode: Opcode, length: Int, compressed: Bool, into frame: inout ByteBuffer) {
        frame.writeInteger(UInt8(0x80 | (compressed ? 0x40 : 0) | opcode.rawValue))
        switch length {
        case ..<126:
            frame.writeInteger(UInt8(length))
        case ..<65536:
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
    }

    /// The longest prefix of `text` within `limit` UTF-8 bytes that ends on a scalar boundary.
    static func truncatedUTF8(_ text: String, limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            guard bytes.count + encoded.count <= limit else { break }
            bytes.append(contentsOf: encoded)
        }
        return bytes
    }
}

/// An update framed once for every recipient: plain, and (when large enough and some client
/// negotiated permessage-deflate) compressed without context takeover.
struct UpdateFrame: Sendable {
    let plain: ByteBuffer
    let deflated: ByteBuffer?

    /// The bytes for a client that did (or did not) negotiate compression.
    func bytes(deflate: Bool) -> ByteBuffer {
        deflate ? (deflated ?? plain) : plain
    }

    var wireSize: Int { plain.readableBytes }

    /// Frames `payload` (the text of an `update` message), compressing it with `compressor` when given.
    init(payload: ByteBuffer, compressor: MessageCompressor?) {
        plain = WireFrame.make(.text, payload: payload)
        if let compressor, payload.readableBytes >= WireFrame.compressionThreshold {
            deflated = WireFrame.make(.text, bytes: compressor.compress(payload), compressed: true)
        } else {
            deflated = nil
        }
    }
}
