import Foundation
import Hummingbird
import Logging
import Model
import TaoStore

/// `GET /api/v1/dividends/series?netuid=&hotkey=[&kind=][&from_block=][&to_block=][&points=]`:
/// one hotkey's dividends as points to draw (a point per epoch that moved the value, oldest
/// first, the latest `points` of them, at most 2 000), per map. Read scope.
struct SeriesController: Sendable {
    let authenticator: TokenAuthenticator
    let history: DividendHistoryStore
    let logger: Logger

    static let path = "api/v1/dividends/series"

    func register(in router: Router<StreamRequestContext>) {
        router.get(RouterPath(Self.path)) { request, context in await self.answer(request, from: context.remoteAddress) }
    }

    func answer(_ request: Request, from address: String?) async -> Response {
        switch await authenticator.authenticate(request, from: address) {
        case .success(let token) where token.allows(.read): break
        case .success: return HTTPRefusal(status: .forbidden, message: "this token lacks the read scope").response
        case .failure(let refusal): return refusal.response
        }
        let query: DividendSeriesQuery
        switch Self.query(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) {
        case .success(let parsed): query = parsed
        case .failure(let refusal): return refusal.response
        }
        do {
            let series = try await history.series(query, logger: logger)
            let data = (try? JSONEncoder().encode(Body(netuid: query.netuid, hotkey: query.hotkey, series: series))) ?? Data()
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return HTTPRefusal(status: .serviceUnavailable, message: "the history cannot be read right now; retry shortly").response
        }
    }

    struct Body: Encodable {
        var netuid: UInt16
        var hotkey: String
        var series: [DividendSeries]
    }

    static func query(_ pairs: [(String, String)]) -> Result<DividendSeriesQuery, HTTPRefusal> {
        do throws(HTTPRefusal) {
            var parameters = try QueryParameters(pairs)
            let netuid = try parameters.netuid()
            guard let hotkey = try parameters.hotkey() else { throw QueryParameters.bad("'hotkey' is required: a series is one hotkey's") }
            var query = DividendSeriesQuery(netuid: netuid, hotkey: hotkey, kind: try parameters.kind(),
                                            fromBlock: try parameters.block("from_block"), toBlock: try parameters.block("to_block"))
            query.points = try parameters.count("points", in: 1...DividendSeriesQuery.maximumPoints) ?? query.points
            try parameters.rejectUnknown(expected: "netuid, hotkey, kind, from_block, to_block, points")
            return .success(query)
        } catch {
            return .failure(error)
        }
    }
}
