import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The request context of every route: keeps the connection's channel, so a client that stops
/// reading can be cut off even while a write to it is stuck behind back-pressure.
public struct StreamRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<StreamRequestContext>
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}
