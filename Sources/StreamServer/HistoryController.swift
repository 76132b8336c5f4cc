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
    static func query(_ parameters: [(String, String)]) -> Result<HistoryQuery, HTTPRefusal> {
        func bad(_ message: String) -> Result<HistoryQuery, HTTPRefusal> { .failure(HTTPRefusal(status: .badRequest, message: message)) }
        var values: [String: String] = [:]
        for (name, value) in parameters {
            guard values[name] == nil else { return bad("'\(name)' is given twice") }
            values[name] = value
        }
        guard let netuidText = values.removeValue(forKey: "netuid") else { return bad("'netuid' is required") }
        guard let netuid = UInt16(netuidText) else { return bad("'netuid' must be an integer from 0 to 65535") }
        var query = HistoryQuery(netuid: netuid)
        if let hotkey = values.removeValue(forKey: "hotkey") {
            do throws(ProtocolError) { query.hotkey = try HotkeyAddress.validate(hotkey) } catch { return bad(error.message) }
        }
        if let kind = values.removeValue(forKey: "kind") {
            let parsed = DividendKind(rawValue: kind)
            guard parsed.isValidName else { return bad("'kind' must be a dividend map name such as AlphaDividendsPerSubnet") }
            query.kind = parsed
        }
        for (name, keyPath) in [("from_block", \HistoryQuery.fromBlock), ("to_block", \HistoryQuery.toBlock)] {
            guard let text = values.removeValue(forKey: name) else { continue }
            guard let block = UInt64(text), block <= UInt64(Int64.max) else { return bad("'\(name)' must be a block number") }
            query[keyPath: keyPath] = block
        }
        if let limit = values.removeValue(forKey: "limit") {
            guard let count = Int(limit), (1...HistoryQuery.maximumLimit).contains(count) else {
                return bad("'limit' must be from 1 to \(HistoryQuery.maximumLimit)")
            }
            query.limit = count
        }
        if let cursor = values.removeValue(forKey: "cursor") {
            guard let offset = HistoryCursor.decode(cursor) else { return bad("'cursor' is not one this server handed out; start again without it") }
            query.before = offset
        }
        if let unknown = values.keys.sorted().first {
            return bad("unknown parameter '\(unknown.prefix(40))'; expected netuid, hotkey, kind, from_block, to_block, limit, cursor")
        }
        return .success(query)
    }
}
