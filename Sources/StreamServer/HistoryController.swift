import Foundation
import Hummingbird
import Logging
import Model
import NIOCore
import TaoStore

/// `GET /api/v1/dividends/history`: the changes of a subnet, or of one hotkey on it, newest first,
/// a page at a time (`limit`, at most 500; `cursor` from the previous page's `next_cursor`),
/// optionally one `kind` and a block range (`from_block`, `to_block`). Read scope.
struct HistoryController: Sendable {
    let authenticator: TokenAuthenticator
    let history: DividendHistoryStore
    let logger: Logger

    static let path = "api/v1/dividends/history"

    func register(in router: Router<StreamRequestContext>) {
        router.get(RouterPath(Self.path)) { request, context in await self.answer(request, from: context.remoteAddress) }
    }

    func answer(_ request: Request, from address: String?) async -> Response {
        let token: APIToken
        switch await authenticator.authenticate(request, from: address) {
        case .success(let record): token = record
        case .failure(let refusal): return refusal.response
        }
        guard token.allows(.read) else { return HTTPRefusal(status: .forbidden, message: "this token lacks the read scope").response }
        let query: HistoryQuery
        switch Self.query(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) {
        case .success(let parsed): query = parsed
        case .failure(let refusal): return refusal.response
        }
        let page: HistoryPage
        do {
            page = try await history.page(query, logger: logger)
        } catch {
            return HTTPRefusal(status: .serviceUnavailable, message: "the history cannot be read right now; retry shortly").response
        }
        let data = (try? JSONEncoder().encode(PageBody(netuid: query.netuid, hotkey: query.hotkey, changes: page.changes, nextCursor: page.nextCursor))) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The JSON of one page.
    struct PageBody: Encodable {
        var netuid: UInt16
        var hotkey: String?
        var changes: [DividendChange]
        var nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case netuid, hotkey, changes
            case nextCursor = "next_cursor"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(netuid, forKey: .netuid)
            try container.encodeIfPresent(hotkey, forKey: .hotkey)
            try container.encode(changes, forKey: .changes)
            // Always present: null says there is no older page.
            try container.encode(nextCursor, forKey: .nextCursor)
        }
    }

    /// The query from the URL's parameters, each checked, unknown ones refused.
    static func query(_ pairs: [(String, String)]) -> Result<HistoryQuery, HTTPRefusal> {
        do throws(HTTPRefusal) {
            var parameters = try QueryParameters(pairs)
            var query = HistoryQuery(netuid: try parameters.netuid(), hotkey: try parameters.hotkey())
            query.kind = try parameters.kind()
            query.fromBlock = try parameters.block("from_block")
            query.toBlock = try parameters.block("to_block")
            query.limit = try parameters.count("limit", in: 1...HistoryQuery.maximumLimit) ?? query.limit
            if let cursor = parameters.take("cursor") {
                guard let offset = HistoryCursor.decode(cursor) else { throw QueryParameters.bad("'cursor' is not one this server handed out; start again without it") }
                query.before = offset
            }
            try parameters.rejectUnknown(expected: "netuid, hotkey, kind, from_block, to_block, limit, cursor")
            return .success(query)
        } catch {
            return .failure(error)
        }
    }
}
