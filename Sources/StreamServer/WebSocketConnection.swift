import Logging
import Model
import NIOCore
import NIOWebSocket

/// One client's socket after the upgrade, on its event loop: no task and no lock of its own.
///
/// Inbound, it enforces RFC 6455 (masking, reserved bits, fragmentation, control frames, UTF-8,
/// message size, permessage-deflate) and hands whole messages to the session. Outbound, it drains
/// the session's ``OutboundQueue`` while the socket is writable, in one flush per drain, and
/// parks when the socket is full until NIO says it is writable again. Its timers come from one
/// ``ConnectionStateMachine`` deadline at a time.
final class WebSocketConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = ByteBuffer

    struct Settings {
        var timings: ConnectionStateMachine.Timings
        var maxMessageBytes: Int
        /// permessage-deflate was negotiated for this connection.
        var deflate: Bool
    }

    private let session: ClientSession
    private let settings: Settings
    private let codec: LoopCodec
    private var machine: ConnectionStateMachine
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: ContinuousClock.Instant?
    /// The message being assembled from fragments: its first frame's opcode, whether it is
    /// compressed, and the bytes so far.
    private var partial: (opcode: WebSocketOpcode, compressed: Bool, data: ByteBuffer)?
    private var draining = false
    /// A drain was asked for while one was running (from inside its own flush).
    private var drainAgain = false
    /// Updates were written directly since the last flush.
    private var unflushed = false

    init(session: ClientSession, settings: Settings, codec: LoopCodec, authenticated: Bool) {
        self.session = session
        self.settings = settings
        self.codec = codec
        self.machine = ConnectionStateMachine(now: .now, timings: settings.timings, authenticated: authenticated)
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        session.transport.attach(self)
        session.services.intake.registry.add(session)
        session.services.metrics.connections.increment()
        armTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    /// Forgets the session once, whichever of inactive or removed comes first.
    private func finish() {
        guard context != nil else { return }
        machine.disconnected()
        timer?.cancel()
        timer = nil
        context = nil
        partial = nil
        session.transport.attach(nil)
        session.tearDown()
        session.services.intake.registry.remove(session, tokenID: session.claimedTokenID)
        session.services.metrics.connections.decrement()
    }

    /// The server is shutting down: go away politely, after what is queued.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            session.close(rawCode: 1001, "server shutting down")
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The frame decoder's errors: a length over the limit, or a malformed control frame.
        if let error = error as? NIOWebSocketError {
            switch error {
            case .invalidFrameLength: protocolFailure(1009, "frame too large")
            default: protocolFailure(1002, "malformed control frame")
            }
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Once closed, nothing more the peer sends is read.
        guard machine.state != .closed else { return }
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil else { return protocolFailure(1002, "client frames must be masked") }
        guard !frame.rsv2, !frame.rsv3 else { return protocolFailure(1002, "reserved bits set") }
        switch frame.opcode {
        case .ping:
            guard !frame.rsv1 else { return protocolFailure(1002, "compressed control frame") }
            // Pings count against the message rate like any message, before and after authentication.
            guard session.admit() else { return }
            context.writeAndFlush(wrapOutboundOut(WireFrame.make(.pong, payload: frame.unmaskedData)), promise: nil)
        case .pong:
            machine.pongReceived()
        case .connectionClose:
            var payload = frame.unmaskedData
            peerClosed(code: payload.readInteger(as: UInt16.self))
        case .text, .binary:
            guard partial == nil else { return protocolFailure(1002, "a new message began before the last one ended") }
            guard !frame.rsv1 || settings.deflate else { return protocolFailure(1002, "compressed frame without permessage-deflate") }
            partial = (frame.opcode, frame.rsv1, frame.unmaskedData)
            if frame.fin { completeMessage() } else { checkPartialSize() }
        case .continuation:
            guard partial != nil else { return protocolFailure(1002, "continuation without a message") }
            guard !frame.rsv1 else { return protocolFailure(1002, "RSV1 on a continuation frame") }
            var data = frame.unmaskedData
            partial!.data.writeBuffer(&data)
            if frame.fin { completeMessage() } else { checkPartialSize() }
        default:
            protocolFailure(1002, "unknown opcode")
        }
    }

    private func checkPartialSize() {
        if let partial, partial.data.readableBytes > settings.maxMessageBytes {
            protocolFailure(1009, "message too large")
        }
    }

    private func completeMessage() {
        guard let message = partial else { return }
        partial = nil
        guard message.data.readableBytes <= settings.maxMessageBytes else { return protocolFailure(1009, "message too large") }
        machine.messageReceived(now: .now)
        var bytes: [UInt8]
        if message.compressed {
            do {
                bytes = try codec.decompressor.decompress(message.data, limit: settings.maxMessageBytes)
            } catch .tooLarge {
                return protocolFailure(1009, "message too large once decompressed")
            } catch {
                return protocolFailure(1007, "invalid compressed data")
            }
        } else {
            bytes = Array(message.data.readableBytesView)
        }
        guard message.opcode == .text else {
            session.receive(.binary)
            return
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return protocolFailure(1007, "text frames must be valid UTF-8")
        }
        bytes = []
        session.receive(.text(text))
    }

    /// A breach of the protocol itself: the close frame goes out at once, ahead of anything
    /// queued, and the socket closes (RFC 6455 §7.1.7: fail the connection).
    private func protocolFailure(_ code: UInt16, _ reason: String) {
        guard let context, machine.state != .closed else { return }
        session.services.metrics.protocolErrors.increment()
        machine.disconnected()
        session.queue.discard()
        context.writeAndFlush(wrapOutboundOut(WireFrame.close(code: code, reason: reason)), promise: nil)
        context.close(promise: nil)
    }

    private func peerClosed(code: UInt16?) {
        guard let context else { return }
        switch machine.peerClosed(code: code) {
        case .answerCloseAndDisconnect(let code):
            // 1005 and 1006 must never be sent on the wire; answer a close without a valid code with 1000.
            let answer: UInt16 = (code == 1005 || code == 1006 || code < 1000) ? 1000 : code
            session.queue.discard()
            context.writeAndFlush(wrapOutboundOut(WireFrame.close(code: answer, reason: "")), promise: nil)
            context.close(promise: nil)
        case .disconnect:
            context.close(promise: nil)
        default:
            break
        }
    }

    // MARK: Outbound

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, session.queue.requestDrain() { drain() }
        context.fireChannelWritabilityChanged()
    }

    /// Writes what is queued while the socket takes it, then flushes once. Called on the loop by
    /// the transport (a session pushed), the router (after a batch) or a writability change.
    ///
    /// The flush itself can make the socket writable again, and NIO then calls back into this
    /// handler, which asks for a drain while this one is still running: that request is kept and
    /// served by another pass, or the queue would stay marked as draining with nobody draining it.
    func drain() {
        guard let context else { return }
        guard !draining else {
            drainAgain = true
            return
        }
        draining = true
        defer { draining = false }
        repeat {
            drainAgain = false
            drainOnce(context)
        } while drainAgain && self.context != nil
    }

    private func drainOnce(_ context: ChannelHandlerContext) {
        var written = 0
        while context.channel.isWritable {
            guard let item = session.queue.take() else { break }
            written += 1
            switch item {
            case .frame(let payload):
                context.write(wrapOutboundOut(replyFrame(payload)), promise: nil)
            case .update(_, let frame, _):
                context.write(wrapOutboundOut(frame.bytes(deflate: settings.deflate)), promise: nil)
            case .close(let code, let reason):
                context.write(wrapOutboundOut(WireFrame.close(code: code, reason: reason)), promise: nil)
                machine.closeQueued(now: .now)
                // Nothing may follow a close frame.
                session.queue.discard()
                armTimer()
            }
        }
        if !context.channel.isWritable { session.queue.park() }
        if written > 0 || unflushed {
            unflushed = false
            context.flush()
            if written > 0 { session.services.metrics.messagesOut.increment(by: Int64(written)) }
        }
    }

    /// Writes an update that nothing queued has to precede, if the socket takes it now.
    func writeNow(_ frame: UpdateFrame, queue: OutboundQueue) -> Bool {
        guard let context, !draining, !machine.isClosing, context.channel.isWritable, queue.isEmpty else { return false }
        context.write(wrapOutboundOut(frame.bytes(deflate: settings.deflate)), promise: nil)
        unflushed = true
        return true
    }

    func flushIfNeeded() {
        guard unflushed, let context else { return }
        unflushed = false
        context.flush()
    }

    private func replyFrame(_ payload: ByteBuffer) -> ByteBuffer {
        guard settings.deflate, payload.readableBytes >= WireFrame.compressionThreshold else {
            return WireFrame.make(.text, payload: payload)
        }
        return WireFrame.make(.text, bytes: codec.compressor.compress(payload), compressed: true)
    }

    // MARK: Timers

    func authenticated() {
        machine.authenticated()
    }

    func closeQueued() {
        machine.closeQueued(now: .now)
        armTimer()
    }

    /// Schedules the one timer at the state machine's next deadline, unless one is set earlier.
    private func armTimer() {
        guard let context, let deadline = machine.nextDeadline else { return }
        if let timerDeadline, timerDeadline <= deadline, timer != nil { return }
        timer?.cancel()
        timerDeadline = deadline
        let delay = max(.zero, deadline - .now)
        let loop = context.eventLoop
        timer = loop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [self] in
            self.timer = nil
            self.timerDeadline = nil
            self.timerFired()
        }
    }

    private func timerFired() {
        guard let context else { return }
        switch machine.timerFired(now: .now, subscribed: session.subscriptionCount > 0) {
        case .none:
            break
        case .sendPing:
            context.writeAndFlush(wrapOutboundOut(WireFrame.make(.ping, bytes: [])), promise: nil)
        case .queueClose(let code, let reason, let notice):
            if let notice { session.send(.error(ProtocolError(.notAuthenticated, notice))) }
            session.close(code, reason)
        case .disconnect:
            context.close(promise: nil)
        case .answerCloseAndDisconnect:
            context.close(promise: nil)
        }
        armTimer()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
