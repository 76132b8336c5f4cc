import Foundation
import Logging
import Model
import PostgresNIO

/// One hotkey's dividends over time, for a chart: a point per epoch that moved the value (the
/// value holds between points), with the block and the time the watcher recorded it.
public struct DividendSeries: Sendable, Equatable, Encodable {
    public struct Point: Sendable, Equatable, Encodable {
        public var block: UInt64
        /// Seconds since 1970 when the watcher processed the block; nil for a block recorded
        /// without one.
        public var time: Double?
        /// The value from this block on, in `unit`; nil once the entry is gone.
        public var amount: UInt64?

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(block, forKey: .block)
            try container.encode(time, forKey: .time)
            // A string, as everywhere amounts travel: beyond what a double holds exactly.
            try container.encode(amount.map(String.init), forKey: .amount)
        }

        enum CodingKeys: String, CodingKey { case block, time, amount }
    }

    public var kind: DividendKind
    public var unit: AmountUnit
    /// Oldest first.
    public var points: [Point]
}

/// Which series: one hotkey on one subnet, optionally one map and a block range, at most
/// `points` of the latest points.
public struct DividendSeriesQuery: Sendable, Equatable {
    public static let defaultPoints = 500
    public static let maximumPoints = 2_000

    public var netuid: UInt16
    public var hotkey: String
    public var kind: DividendKind?
    public var fromBlock: UInt64?
    public var toBlock: UInt64?
    public var points: Int

    public init(netuid: UInt16, hotkey: String, kind: DividendKind? = nil, fromBlock: UInt64? = nil, toBlock: UInt64? = nil, points: Int = defaultPoints) {
        self.netuid = netuid
        self.hotkey = hotkey
        self.kind = kind
        self.fromBlock = fromBlock
        self.toBlock = toBlock
        self.points = points
    }
}

extension DividendHistoryStore {
    /// The latest `points` changes of the key per map, read backwards through the key's index
    /// (`dividend_changes_key`), returned oldest first, one series per map.
    public func series(_ query: DividendSeriesQuery, logger: Logger) async throws(StoreError) -> [DividendSeries] {
        do {
            let rows = try await database.client.query(Self.seriesQuery(query), logger: logger)
            var byKind: [DividendKind: [DividendSeries.Point]] = [:]
            for try await (kind, block, time, amount) in rows.decode((String, Int64, Double?, String?).self) {
                byKind[DividendKind(rawValue: kind), default: []].append(.init(block: UInt64(block), time: time, amount: amount.flatMap(UInt64.init)))
            }
            return byKind.map { DividendSeries(kind: $0.key, unit: $0.key.unit, points: $0.value.reversed()) }.sorted { $0.kind.rawValue < $1.kind.rawValue }
        } catch {
            throw .query("could not read the dividend series: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The statement ``series(_:logger:)`` sends.
    public static func seriesQuery(_ query: DividendSeriesQuery) -> PostgresQuery {
        let from = Int64(clamping: query.fromBlock ?? 0)
        let to = Int64(clamping: query.toBlock ?? UInt64(Int64.max))
        let kind = query.kind?.rawValue
        return """
            SELECT c.kind, c.block, extract(epoch FROM p.processed_at)::DOUBLE PRECISION, c.new_amount::TEXT
            FROM dividend_changes AS c LEFT JOIN processed_blocks AS p ON p.number = c.block
            WHERE c.netuid = \(Int32(query.netuid)) AND c.hotkey = \(query.hotkey) AND c.block BETWEEN \(from) AND \(to)
              AND (\(kind)::TEXT IS NULL OR c.kind = \(kind))
            ORDER BY c.block DESC, c.sequence DESC LIMIT \(query.points)
            """
    }
}
