import Hummingbird

/// The request context of the HTTP routes (WebSocket connections do not go through the router).
public struct StreamRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address, for limits per address.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
