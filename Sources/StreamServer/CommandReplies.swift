import Model

/// Where a command's replies go: a WebSocket session, or (for the REST trade) nowhere but the
/// command's stored status, which `GET /api/v1/commands/{id}` and `command_status` read.
protocol CommandReplies: Sendable {
    func send(_ message: ServerMessage)
    func refuse(_ error: ProtocolError)
    /// Live statuses from the executor should reach this caller.
    func watch(_ commandID: String, router: CommandStatusRouter)
}

extension ClientSession: CommandReplies {
    func refuse(_ error: ProtocolError) { _ = reject(error) }
    func watch(_ commandID: String, router: CommandStatusRouter) { router.watch(commandID, by: self) }
}

/// Replies of a command started over HTTP: the request has been answered already.
struct DetachedReplies: CommandReplies {
    func send(_ message: ServerMessage) {}
    func refuse(_ error: ProtocolError) {}
    func watch(_ commandID: String, router: CommandStatusRouter) {}
}
