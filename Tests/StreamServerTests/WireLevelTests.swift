@testable import StreamServer
import CZlib
import NIOCore
import Testing

/// Frames, permessage-deflate negotiation and the shared compressor, checked against zlib and the
/// RFCs' own examples.
@Suite("WebSocket wire level")
struct WireLevelTests {
    @Test func theAcceptKeyIsRFC6455sExample() {
        #expect(WebSocketUpgrader.accept(key: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func framesCarryTheirLengthInTheShortestForm() {
        let small = WireFrame.make(.text, bytes: Array(repeating: 65, count: 125))
        #expect(Array(small.readableBytesView.prefix(2)) == [0x81, 125])
        let medium = WireFrame.make(.text, bytes: Array(repeating: 65, count: 126))
        #expect(Array(medium.readableBytesView.prefix(4)) == [0x81, 126, 0, 126])
        let large = WireFrame.make(.binary, bytes: Array(repeating: 65, count: 70_000))
        #expect(Array(large.readableBytesView.prefix(2)) == [0x82, 127])
        #expect(large.readableBytes == 70_010)
        let compressed = WireFrame.make(.text, bytes: [1], compressed: true)
        #expect(compressed.readableBytesView.first == 0xC1)
    }

    @Test func closeReasonsAreCutOnACharacterBoundary() {
        let frame = WireFrame.close(code: 4003, reason: String(repeating: "é", count: 100))
        // 2-byte header, 2-byte code, at most 123 bytes of reason, ending on a whole "é".
        #expect(frame.readableBytes <= 2 + 125)
        let reason = Array(frame.readableBytesView.dropFirst(4))
        #expect(reason.count % 2 == 0)
        #expect(String(validating: reason, as: UTF8.self) != nil)
    }

    @Test func negotiationAlwaysTurnsContextTakeoverOff() {
        #expect(DeflateNegotiation.accept(["permessage-deflate; client_max_window_bits"]) == "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        #expect(DeflateNegotiation.accept(["permessage-deflate; server_max_window_bits=10, permessage-deflate"]) == "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        #expect(DeflateNegotiation.accept(["permessage-deflate; server_max_window_bits=14"]) == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=14")
        #expect(DeflateNegotiation.accept(["permessage-deflate; unknown_parameter"]) == nil)
        #expect(DeflateNegotiation.accept(["permessage-deflate; client_no_context_takeover; client_no_context_takeover"]) == nil)
        #expect(DeflateNegotiation.accept(["x-webkit-deflate-frame"]) == nil)
        #expect(DeflateNegotiation.accept([]) == nil)
    }

    @Test func aMessageCompressedOnceInflatesWithAnIndependentDecoder() throws {
        let compressor = MessageCompressor()
        let text = String(repeating: #"{"type":"update","change":{"netuid":7}} "#, count: 40)
        // Twice: without context takeover the second compression must equal the first.
        let first = compressor.compress(ByteBuffer(string: text))
        let second = compressor.compress(ByteBuffer(string: text))
        #expect(first == second)
        #expect(first.count < text.utf8.count / 4)
        #expect(try Self.inflateWithZlib(first) == Array(text.utf8))
        let ours = try MessageDecompressor().decompress(ByteBuffer(bytes: first), limit: 1 << 20)
        #expect(ours == Array(text.utf8))
    }

    @Test func aDeflateBombIsRefusedAtTheLimit() throws {
        let bomb = MessageCompressor().compress(ByteBuffer(bytes: [UInt8](repeating: 0, count: 4 << 20)))
        #expect(bomb.count < 64 * 1024)
        #expect(throws: MessageDecompressor.Failure.tooLarge) { try MessageDecompressor().decompress(ByteBuffer(bytes: bomb), limit: 1 << 20) }
        #expect(throws: MessageDecompressor.Failure.corrupt) { try MessageDecompressor().decompress(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]), limit: 1 << 20) }
    }

    /// zlib's own raw inflate, as a browser's permessage-deflate would run it.
    static func inflateWithZlib(_ data: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        #expect(taostream_inflate_init(&stream, -15) == Z_OK)
        defer { inflateEnd(&stream) }
        var input = data + [0x00, 0x00, 0xFF, 0xFF]
        var output = [UInt8](repeating: 0, count: 1 << 20)
        let produced = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> Int in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                _ = inflate(&stream, Z_SYNC_FLUSH)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }
}
