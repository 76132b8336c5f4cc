import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TaoStore

/// What an HTTP endpoint answers instead of its result: a status and a message, sent as
/// `{"error": message}`.
struct HTTPRefusal: Error {
    let status: HTTPResponse.Status
    let message: String

    var response: Response { Self.json(status, ["error": message]) }

    static func json(_ status: HTTPResponse.Status, _ body: [String: String]) -> Response {
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension TokenAuthenticator {
    /// The token of the request's `Authorization: Bearer` header, or the refusal to answer; a
    /// refused token counts against `address`'s ``AuthFailureBudget``.
    func authenticate(_ request: Request, from address: String?) async -> Result<APIToken, HTTPRefusal> {
        guard let token = Self.bearer(request.headers[.authorization]) else {
            return .failure(HTTPRefusal(status: .unauthorized, message: "send Authorization: Bearer <token>"))
        }
        do throws(TokenAuthenticator.Refusal) {
            guard let record = try await verify(token, from: address) else {
                return .failure(HTTPRefusal(status: .unauthorized, message: "the bearer token is unknown, malformed or revoked"))
            }
            return .success(record)
        } catch {
            return .failure(HTTPRefusal(status: error == .unavailable ? .serviceUnavailable : .tooManyRequests, message: error.error.message))
        }
    }
}
