import NIOCore

/// A command on its way out, with the promise its reply completes.
struct RedisRequest: Sendable {
    var id: UInt64
    var command: RedisCommand
    var promise: EventLoopPromise<RESPValue>
}

/// Sent down the pipeline when a request's timer fires before its reply arrived.
struct RedisRequestTimedOut: Sendable {
    var id: UInt64
    var seconds: Double
}

/// Matches replies to requests in order, which is what makes pipelining safe.
///
/// A timed-out request poisons the connection (later replies could no longer be matched), so every
/// waiting request fails and the channel closes; the client opens a new one on next use.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = RedisCommand

    private var pending = CircularBuffer<(id: UInt64, name: String, promise: EventLoopPromise<RESPValue>)>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending.append((request.id, request.command.name, request.promise))
        context.write(wrapOutboundOut(request.command), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard let request = pending.popFirst() else {
            context.fireErrorCaught(RedisError.protocolError("a reply arrived that no command asked for"))
            context.close(promise: nil)
            return
        }
        if case .error(let message) = reply {
            request.promise.fail(RedisError.server(message))
        } else {
            request.promise.succeed(reply)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let timeout = event as? RedisRequestTimedOut else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed()
        guard let index = pending.firstIndex(where: { $0.id == timeout.id }) else { return }
        let name = pending[index].name
        // Closed before the callers hear of it: one that retries at once must find this connection
        // inactive and open a new one, not send on the one being closed.
        let waiting = pending
        pending.removeAll()
        context.close(promise: nil)
        for entry in waiting { entry.promise.fail(RedisError.timeout(command: name, seconds: timeout.seconds)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: Error) {
        while let request = pending.popFirst() {
            request.promise.fail(error)
        }
    }
}

/// For a connection in subscribe mode: every reply is a push, handed to the subscriber.
final class RedisPushHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue

    private let onPush: @Sendable (RESPValue) -> Void

    init(onPush: @escaping @Sendable (RESPValue) -> Void) {
        self.onPush = onPush
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onPush(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
