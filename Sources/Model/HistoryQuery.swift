/// A page of a subnet's or one key's dividend history, newest first: what `GET
/// /api/v1/dividends/history` asks for.
public struct HistoryQuery: Sendable, Equatable {
    /// Rows one page may hold at most, and the default.
    public static let maximumLimit = 500
    public static let defaultLimit = 100

    public var netuid: UInt16
    public var hotkey: String?
    public var kind: DividendKind?
    public var fromBlock: UInt64?
    public var toBlock: UInt64?
    public var limit: Int
    /// Where the page starts: strictly older than this change. Nil for the newest.
    public var before: StreamOffset?

    public init(netuid: UInt16, hotkey: String? = nil, kind: DividendKind? = nil, fromBlock: UInt64? = nil, toBlock: UInt64? = nil,
                limit: Int = HistoryQuery.defaultLimit, before: StreamOffset? = nil) {
        self.netuid = netuid
        self.hotkey = hotkey
        self.kind = kind
        self.fromBlock = fromBlock
        self.toBlock = toBlock
        self.limit = limit
        self.before = before
    }
}

/// One page of history, newest first.
public struct HistoryPage: Sendable, Equatable {
    public var changes: [DividendChange]
    /// Where the next older page starts (strictly older than this change); nil when none remains.
    public var next: StreamOffset?

    public init(changes: [DividendChange], next: StreamOffset?) {
        self.changes = changes
        self.next = next
    }

    /// ``next`` as clients pass it back.
    public var nextCursor: String? { next.map(HistoryCursor.encode) }
}

/// The opaque cursor a page hands out for the next one: the offset of its oldest change, in a
/// form clients should not build themselves (it may change).
public enum HistoryCursor {
    public static func encode(_ offset: StreamOffset) -> String {
        "h1." + offset.description
    }

    public static func decode(_ text: String) -> StreamOffset? {
        guard text.hasPrefix("h1."), text.utf8.count <= 64 else { return nil }
        return StreamOffset(String(text.dropFirst(3)))
    }
}
