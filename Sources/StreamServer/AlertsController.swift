import Foundation
import HTTPTypes
import Hummingbird
import Model
import NIOCore
import TaoStore

/// `/api/v1/alerts` over REST, with the same rules and replies as the WebSocket's `alert_*`
/// messages (minus `type` and `id`):
/// - `GET /api/v1/alerts` — this token's rules;
/// - `POST /api/v1/alerts` — a rule, the body as `alert_create`'s fields (at most 16 KiB); 201;
/// - `DELETE /api/v1/alerts/{alert_id}`;
/// - `GET /api/v1/alerts/{alert_id}/deliveries` — the latest 100 deliveries, newest first;
/// - `GET /api/v1/push/key` — the VAPID public key a browser subscribes with (no token needed).
struct AlertsController: Sendable {
    let authenticator: TokenAuthenticator
    let desk: AlertDesk?

    static let maximumBody = 16 * 1_024

    func register(in router: Router<StreamRequestContext>) {
        router.get("api/v1/alerts") { request, context in
            await self.answer(request, context) { desk, token in await desk.list(token: token, id: nil) }
        }
        router.post("api/v1/alerts") { request, context in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: Self.maximumBody) } catch {
                return HTTPRefusal(status: .contentTooLarge, message: "the body is larger than \(Self.maximumBody) bytes").response
            }
            return await self.answer(request, context, created: true) { desk, token in
                do throws(ProtocolError) {
                    let spec = try ClientMessageParser().parseAlertSpec(body.readableBytesView)
                    return await desk.create(spec, token: token, id: nil)
                } catch {
                    return .failure(error)
                }
            }
        }
        router.delete("api/v1/alerts/:alert") { request, context in
            let alert = context.parameters.get("alert") ?? ""
            return await self.answer(request, context) { desk, token in await desk.delete(alert, token: token, id: nil) }
        }
        router.get("api/v1/alerts/:alert/deliveries") { request, context in
            let alert = context.parameters.get("alert") ?? ""
            return await self.answer(request, context) { desk, token in await desk.deliveries(alert, token: token, id: nil) }
        }
        router.get("api/v1/push/key") { _, _ in
            guard let key = self.desk?.vapidPublicKey else {
                return HTTPRefusal(status: .notFound, message: "this server does not send web push (no TAOSTREAM_VAPID_KEY_FILE)").response
            }
            return HTTPRefusal.json(.ok, ["vapid_public_key": key])
        }
    }

    private func answer(_ request: Request, _ context: StreamRequestContext, created: Bool = false,
                        _ act: (AlertDesk, APIToken) async -> Result<ServerMessage, ProtocolError>) async -> Response {
        let token: APIToken
        switch await authenticator.authenticate(request, from: context.remoteAddress) {
        case .success(let record): token = record
        case .failure(let refusal): return refusal.response
        }
        guard let desk else {
            return HTTPRefusal(status: .serviceUnavailable, message: "this server takes no alerts (no TAOSTREAM_ALERT_KEY_FILE)").response
        }
        switch await act(desk, token) {
        case .success(let message):
            return Self.body(message, status: created ? .created : .ok)
        case .failure(let error):
            return HTTPRefusal.json(Self.status(error.code), ["error": error.message, "code": error.code.rawValue])
        }
    }

    /// The reply's JSON without `type` (REST names the resource in the path).
    static func body(_ message: ServerMessage, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        guard let data = try? encoder.encode(message), var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return HTTPRefusal(status: .internalServerError, message: "the reply could not be encoded").response
        }
        object["type"] = nil
        let bytes = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func status(_ code: ErrorCode) -> HTTPResponse.Status {
        switch code {
        case .forbidden: return .forbidden
        case .unknownAlert: return .notFound
        case .overLimit: return .conflict
        case .unavailable: return .serviceUnavailable
        case .rateLimited: return .tooManyRequests
        default: return .badRequest
        }
    }
}
