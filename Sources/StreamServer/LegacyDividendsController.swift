import Foundation
import Hummingbird
import Model
import TaoRedis

/// `GET /api/v1/tao_dividends?netuid=&hotkey=`: the original service's endpoint, now answered
/// from the always-fresh snapshot instead of a two-minute cache.
struct LegacyDividendsController: Sendable {
    let authenticator: TokenAuthenticator
    let snapshots: SnapshotReader

    func register(in router: Router<StreamRequestContext>) {
        router.get("api/v1/tao_dividends") { request, _ in try await self.answer(request) }
    }

    func answer(_ request: Request) async throws -> Response {
        guard let token = TokenAuthenticator.bearer(request.headers[.authorization]) else {
            return Self.json(.unauthorized, ["error": "send Authorization: Bearer <token>"])
        }
        guard let record = try? await authenticator.verify(token) else {
            return Self.json(.unauthorized, ["error": "the bearer token is unknown, malformed or revoked"])
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
        if case .string(let text)? = fields["trade"] {
            guard text == "false" || text == "0" else {
                return Self.json(.badRequest, ["error": "trade=true is done over the WebSocket: send a 'trade' command with a trade-scoped token"])
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
            }
            let body = Body(netuid: filter.netuid, hotkey: filter.hotkey, dividends: snapshot.entries, offset: snapshot.offset)
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: (try? JSONEncoder().encode(body)) ?? Data()))
            )
        } catch {
            return Self.json(.serviceUnavailable, ["error": "dividends cannot be read right now: \(error.description)"])
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: [String: String]) -> Response {
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
