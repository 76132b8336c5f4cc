import CZlib
import NIOCore

/// permessage-deflate (RFC 7692) without context takeover on either side: every message is
/// compressed and decompressed on its own, so one compressor serves many connections (each
/// message resets it) and an update compressed once is the same bytes for every client.
///
/// Neither type is thread-safe: each is owned by one thread (the update feed, or an event loop).
final class MessageCompressor {
    private var stream = z_stream()
    private var scratch: [UInt8]

    /// A 4 KiB window (12 bits) and memory level 2: small state, and dividend messages are small.
    init(windowBits: Int32 = 12, memoryLevel: Int32 = 2) {
        scratch = [UInt8](repeating: 0, count: 16 * 1024)
        // A negative window size asks zlib for raw deflate, without the zlib header and checksum.
        let status = taostream_deflate_init(&stream, Z_DEFAULT_COMPRESSION, -windowBits, memoryLevel)
        precondition(status == Z_OK, "zlib could not allocate a compressor (\(status))")
    }

    deinit { deflateEnd(&stream) }

    /// The compressed form of one whole message, without the final empty block's 4 bytes.
    func compress(_ message: ByteBuffer) -> [UInt8] {
        defer { deflateReset(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(message.readableBytes / 2 + 16)
        message.withUnsafeReadableBytes { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
            stream.avail_in = UInt32(input.count)
            repeat {
                let produced = scratch.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    _ = deflate(&stream, Z_SYNC_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                output.append(contentsOf: scratch[0..<produced])
            } while stream.avail_out == 0
        }
        // A sync flush ends with 00 00 FF FF, which RFC 7692 §7.2.1 says to leave off.
        if output.count >= 4 && output.suffix(4).elementsEqual([0x00, 0x00, 0xFF, 0xFF]) { output.removeLast(4) }
        return output
    }
}

/// Decompresses client messages, refusing any that would grow past a bound (a deflate bomb).
final class MessageDecompressor {
    enum Failure: Error, Equatable {
        /// The message would decompress to more than the bound: close with 1009.
        case tooLarge
        /// Not valid deflate data: close with 1007.
        case corrupt
    }

    private var stream = z_stream()
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    init() {
        let status = taostream_inflate_init(&stream, -15)
        precondition(status == Z_OK, "zlib could not allocate a decompressor (\(status))")
    }

    deinit { inflateEnd(&stream) }

    func decompress(_ message: ByteBuffer, limit: Int) throws(Failure) -> [UInt8] {
        defer { inflateReset(&stream) }
        var input = Array(message.readableBytesView)
        input.append(contentsOf: [0x00, 0x00, 0xFF, 0xFF])
        var output: [UInt8] = []
        let failure: Failure? = input.withUnsafeMutableBufferPointer { source -> Failure? in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while true {
                var status: Int32 = Z_OK
                let produced = scratch.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    status = inflate(&stream, Z_SYNC_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR { return .corrupt }
                if output.count + produced > limit { return .tooLarge }
                output.append(contentsOf: scratch[0..<produced])
                if status == Z_STREAM_END || (stream.avail_in == 0 && stream.avail_out != 0) { return nil }
                if status == Z_BUF_ERROR && produced == 0 { return nil }
            }
        }
        if let failure { throw failure }
        return output
    }
}
