import NIOCore

/// One subscriber on raw NIO: sends the upgrade request, then (for TaoStream and the Python peer)
/// a subscribe message, and from then on scans frames with no JSON decoding, so that the load
/// client costs less per message than any server it measures.
final class SubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase { case upgrading, open, done }

    private let request: ByteBuffer
    private let subscribe: ByteBuffer?
    private let stats: LoopStats
    private var phase = Phase.upgrading
    private var pending = ByteBuffer()

    init(request: ByteBuffer, subscribe: ByteBuffer?, stats: LoopStats) {
        self.request = request
        self.subscribe = subscribe
        self.stats = stats
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if phase == .upgrading { stats.failed(reason: "connection closed during the upgrade") }
        phase = .done
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if phase == .upgrading { stats.failed(reason: "\(error)") }
        phase = .done
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        pending.writeBuffer(&incoming)
        if phase == .upgrading {
            guard let end = pending.readableBytesView.firstRange(of: [13, 10, 13, 10]) else { return }
            let headLength = end.upperBound - pending.readerIndex
            let head = pending.readString(length: headLength) ?? ""
            guard head.hasPrefix("HTTP/1.1 101") else {
                stats.failed(reason: String(head.prefix(80)))
                phase = .done
                context.close(promise: nil)
                return
            }
            phase = .open
            if let subscribe {
                context.writeAndFlush(wrapOutboundOut(subscribe), promise: nil)
            } else {
                stats.subscribed()
            }
        }
        readFrames(context: context)
        pending.discardReadBytes()
    }

    private func readFrames(context: ChannelHandlerContext) {
        var updates = 0
        while let frame = nextFrame() {
            switch frame.opcode {
            case 0x1:
                if frame.payload.readableBytesView.starts(with: Self.updatePrefix) {
                    updates += 1
                    stats.received(frame.payload)
                } else {
                    control(frame.payload, context: context)
                }
            case 0x9:
                context.writeAndFlush(wrapOutboundOut(ClientFrame.make(opcode: 0xA, payload: Array(frame.payload.readableBytesView))), promise: nil)
            case 0x8:
                phase = .done
                context.close(promise: nil)
                return
            default:
                break
            }
        }
        if updates > 0 { stats.delivered(updates) }
    }

    private func control(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        let text = String(buffer: payload)
        if text.contains(#""type":"subscribed""#) {
            stats.subscribed()
        } else if text.contains(#""type":"error""#) {
            stats.failed(reason: text)
            context.close(promise: nil)
        }
    }

    private struct Frame {
        var opcode: UInt8
        var payload: ByteBuffer
    }

    /// The next whole frame in `pending` (server frames are unmasked), or nil until more arrives.
    private func nextFrame() -> Frame? {
        guard pending.readableBytes >= 2,
              let first = pending.getInteger(at: pending.readerIndex, as: UInt8.self),
              let second = pending.getInteger(at: pending.readerIndex + 1, as: UInt8.self)
        else { return nil }
        var header = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = pending.getInteger(at: pending.readerIndex + 2, as: UInt16.self) else { return nil }
            length = Int(extended)
            header = 4
        } else if length == 127 {
            guard let extended = pending.getInteger(at: pending.readerIndex + 2, as: UInt64.self) else { return nil }
            length = Int(extended)
            header = 10
        }
        guard pending.readableBytes >= header + length else { return nil }
        pending.moveReaderIndex(forwardBy: header)
        let payload = pending.readSlice(length: length)!
        return Frame(opcode: first & 0x0F, payload: payload)
    }

    static let updatePrefix = Array(#"{"type":"update""#.utf8)
}

/// Client-to-server frames, masked as RFC 6455 requires.
enum ClientFrame {
    static func make(opcode: UInt8, payload: [UInt8]) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.writeInteger(UInt8(0x80 | opcode))
        if payload.count < 126 {
            frame.writeInteger(UInt8(0x80 | payload.count))
        } else {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(payload.count))
        }
        let mask: [UInt8] = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame.writeBytes(mask)
        frame.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        return frame
    }

    static func text(_ text: String) -> ByteBuffer { make(opcode: 0x1, payload: Array(text.utf8)) }
}
