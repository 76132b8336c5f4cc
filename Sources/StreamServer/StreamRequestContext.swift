import Hummingbird

/// The request context of the HTTP routes (WebSocket connections do not go through the router).
public struct StreamRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
