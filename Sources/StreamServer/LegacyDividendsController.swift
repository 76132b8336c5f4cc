import Foundation
import Hummingbird
import Model
import TaoRedis
import TaoStore

/// `GET /api/v1/tao_dividends?netuid=&hotkey=&trade=`: the original service's endpoint, now
/// answered from the always-fresh snapshot instead of a two-minute cache. With `trade=true` (a
/// `trade` token, netuid and hotkey) it also starts the sentiment trade in the background, as the
/// original did, and says where to follow it: `GET /api/v1/commands/{id}` or `command_status`.
/// An `Idempotency-Key` header makes a retried request trade once.
struct LegacyDividendsController: Sendable {
    let authenticator: TokenAuthenticator
    let snapshots: SnapshotReader
    let commands: CommandGateway?

    func register(in router: Router<StreamRequestContext>) {
        router.get("api/v1/tao_dividends") { request, context in try await self.answer(request, from: context.remoteAddress) }
        router.get("api/v1/commands/:id") { request, context in
            try await self.command(request, id: context.parameters.get("id") ?? "", from: context.remoteAddress)
        }
    }

    func command(_ request: Request, id: String, from address: String?) async throws -> Response {
        let record: APIToken
        switch await authenticator.authenticate(request, from: address) {
        case .success(let token): record = token
        case .failure(let refusal): return refusal.response
        }
        guard let commands else { return Self.json(.notFound, ["error": "this server does not take commands"]) }
        guard let status = try? await commands.store.status(id, tokenID: record.id, logger: commands.logger) else {
            return Self.json(.notFound, ["error": "no command '\(id)' was sent with this token"])
        }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: (try? JSONEncoder().encode(status)) ?? Data())))
    }

    func answer(_ request: Request, from address: String?) async throws -> Response {
        let record: APIToken
        switch await authenticator.authenticate(request, from: address) {
        case .success(let token): record = token
        case .failure(let refusal): return refusal.response
        }
        guard record.allows(.read) else {
            return Self.json(.forbidden, ["error": "this token lacks the read scope"])
        }
        var fields: [String: JSONValue] = [:]
        for (name, value) in request.uri.queryParameters { fields[String(name)] = .string(String(value)) }
        // Query strings carry text; the WebSocket parser wants JSON types, so convert the known ones.
        if case .string(let text)? = fields["netuid"] {
            fields["netuid"] = Int64(text).map(JSONValue.integer) ?? .string(text)
        }
        var trade = false
        if case .string(let text)? = fields["trade"] {
            switch text.lowercased() {
            case "true", "1": trade = true
            case "false", "0": trade = false
            default: return Self.json(.badRequest, ["error": "trade must be true or false"])
            }
            fields["trade"] = nil
        }
        let filter: DividendFilter
        do throws(ProtocolError) {
            filter = try ClientMessageParser().parseFilter(fields, context: "tao_dividends")
        } catch {
            return Self.json(.badRequest, ["error": error.message, "code": error.code.rawValue])
        }
        do throws(RedisError) {
            let snapshot = try await snapshots.read(filter)
            struct Body: Encodable {
                var netuid: UInt16?
                var hotkey: String?
                var dividends: [DividendEntry]
                var offset: StreamOffset?
                var trade: [String: String]?
            }
            var tradeStarted: [String: String]?
            if trade {
                switch await startTrade(filter: filter, token: record, idempotencyKey: request.headers[.init("Idempotency-Key")!]) {
                case .success(let started): tradeStarted = started
                case .failure(let refusal): return refusal.response
                }
            }
            let body = Body(netuid: filter.netuid, hotkey: filter.hotkey, dividends: snapshot.entries, offset: snapshot.offset, trade: tradeStarted)
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: (try? JSONEncoder().encode(body)) ?? Data()))
            )
        } catch {
            return Self.json(.serviceUnavailable, ["error": "dividends cannot be read right now: \(error.description)"])
        }
    }

    /// Checks what the HTTP caller must be told now, then trades in the background.
    func startTrade(filter: DividendFilter, token: APIToken, idempotencyKey: String?) async -> Result<[String: String], HTTPRefusal> {
        guard let commands, commands.scorer != nil else {
            return .failure(HTTPRefusal(status: .serviceUnavailable, message: "trading is not configured on this server"))
        }
        guard token.allows(.trade) else { return .failure(HTTPRefusal(status: .forbidden, message: "trade=true needs a token with the trade scope")) }
        guard let netuid = filter.netuid, let hotkey = filter.hotkey else {
            return .failure(HTTPRefusal(status: .badRequest, message: "trade=true needs both netuid and hotkey"))
        }
        let key = idempotencyKey.map { String($0.prefix(64)) } ?? "rest-" + CommandGateway.newID()
        if let existing = try? await commands.store.find(tokenID: token.id, idempotencyKey: key, logger: commands.logger) {
            if !existing.state.isFinal {
                // A retry resumes a trade whose first attempt stopped short (see CommandGateway.trade).
                Task {
                    await commands.trade(netuid: netuid, hotkey: hotkey, idempotencyKey: key, token: token, session: DetachedReplies(), id: nil)
                }
            }
            return .success(["command_id": existing.commandID, "status": "/api/v1/commands/\(existing.commandID)", "duplicate": "true"])
        }
        let commandID = CommandGateway.newID()
        Task {
            await commands.trade(netuid: netuid, hotkey: hotkey, idempotencyKey: key, token: token, session: DetachedReplies(), id: nil, commandID: commandID)
        }
        return .success(["command_id": commandID, "status": "/api/v1/commands/\(commandID)"])
    }

    static func json(_ status: HTTPResponse.Status, _ body: [String: String]) -> Response {
        HTTPRefusal.json(status, body)
    }
}
