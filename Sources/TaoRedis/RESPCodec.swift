import CHiredis
import NIOCore

/// Turns inbound bytes into ``RESPValue`` replies with hiredis's reader.
final class RESPReplyDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = RESPValue

    private let reader = HiredisReader()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(RedisError) in try reader.feed(bytes) }
            while let reply = try reader.next() {
                context.fireChannelRead(wrapInboundOut(reply))
            }
        } catch {
            // A broken stream cannot be resynchronised: fail loudly and close.
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }
}

/// Writes commands as RESP arrays of bulk strings, formatted by hiredis.
final class RESPCommandEncoder: MessageToByteEncoder {
    typealias OutboundIn = RedisCommand

    func encode(data: RedisCommand, out: inout ByteBuffer) throws {
        try Self.format(data, into: &out)
    }

    static func format(_ command: RedisCommand, into out: inout ByteBuffer) throws {
        let arguments = command.arguments
        let count = arguments.count
        var lengths = arguments.map { $0.count }
        // hiredis wants argv as C pointers; keep every argument buffer pinned while it formats.
        let cStrings: [UnsafeMutablePointer<CChar>] = arguments.map { argument in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.count, 1))
            argument.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress {
                    UnsafeMutableRawPointer(pointer).copyMemory(from: base, byteCount: bytes.count)
                }
            }
            return pointer
        }
        defer { cStrings.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }
        var target: UnsafeMutablePointer<CChar>?
        let length = argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeMutableBufferPointer { lengthBuffer in
                redisFormatCommandArgv(&target, Int32(count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
            }
        }
        guard length > 0, let target else {
            throw RedisError.protocolError("hiredis could not format \(command.name)")
        }
        defer { redisFreeCommand(target) }
        out.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(length)))
    }
}
