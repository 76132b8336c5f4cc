import Foundation

/// Turns a text frame into a ``ClientRequest``, or a ``ProtocolError`` that says exactly what is
/// wrong. Unknown fields are refused: a misspelt `netUid` would otherwise widen a subscription to
/// every subnet without a word.
public struct ClientMessageParser: Sendable {
    public init() {}

    public func parse(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> ClientRequest {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw ProtocolError(.malformedJSON, "the message is not valid JSON (\(error.description))")
        }
        guard case .object(let object) = value else {
            throw ProtocolError(.malformedJSON, "a message must be a JSON object, got \(value.typeName)")
        }
        var fields = MessageFields(object)
        let id = try fields.id()
        do throws(ProtocolError) {
            let type = try fields.requiredString("type")
            let message: ClientMessage
            switch type {
            case "auth":
                message = .auth(token: try fields.requiredString("token"))
            case "subscribe":
                let filters = try fields.filters()
                let since = try fields.offset("since")
                message = .subscribe(filters, since: since)
            case "unsubscribe":
                message = .unsubscribe(subscription: try fields.requiredString("subscription"))
            case "query":
                message = .query(try fields.filter())
            case "history":
                message = .history(try fields.historyQuery())
            case "ping":
                message = .ping
            case "stake", "unstake":
                message = .command(try fields.stakeCommand(type == "stake" ? .stake : .unstake))
            case "trade":
                guard let netuid = try fields.netuid() else { throw ProtocolError(.invalidNetuid, "'netuid' is required") }
                guard let hotkey = try fields.hotkey() else { throw ProtocolError(.invalidHotkey, "'hotkey' is required") }
                let key = try fields.key("idempotency_key", maximumLength: 64)
                message = .trade(netuid: netuid, hotkey: hotkey, idempotencyKey: key)
            case "command_status":
                message = .commandStatus(commandID: try fields.key("command_id", maximumLength: 128))
            case "alert_create":
                message = .alertCreate(try fields.alertSpec())
            case "alert_list":
                message = .alertList
            case "alert_delete":
                message = .alertDelete(alertID: try fields.key("alert_id", maximumLength: 64))
            case "alert_deliveries":
                message = .alertDeliveries(alertID: try fields.key("alert_id", maximumLength: 64))
            default:
                throw ProtocolError(.unknownType, "unknown message type '\(type)'; expected one of auth, subscribe, unsubscribe, query, history, ping, stake, unstake, trade, command_status, alert_create, alert_list, alert_delete, alert_deliveries")
            }
            try fields.rejectUnknown(type: type)
            return ClientRequest(id: id, message: message)
        } catch var error {
            error.id = id
            throw error
        }
    }
}

extension ClientMessageParser {
    /// An alert rule from a JSON object (`POST /api/v1/alerts`' body), checked like `alert_create`.
    public func parseAlertSpec(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> AlertSpec {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw ProtocolError(.malformedJSON, "the body is not valid JSON (\(error.description))") }
        guard case .object(let object) = value else { throw ProtocolError(.malformedJSON, "the body must be a JSON object, got \(value.typeName)") }
        var fields = MessageFields(object)
        let spec = try fields.alertSpec()
        try fields.rejectUnknown(type: "alert")
        return spec
    }

    /// A filter from loose fields (the legacy REST endpoint's query string), checked like a message's.
    public func parseFilter(_ object: [String: JSONValue], context: String) throws(ProtocolError) -> DividendFilter {
        var fields = MessageFields(object)
        let filter = try fields.filter()
        try fields.rejectUnknown(type: context)
        return filter
    }
}

/// The fields of one message, consumed one by one so the leftovers are the unknown ones.
struct MessageFields {
    private var remaining: [String: JSONValue]

    init(_ object: [String: JSONValue]) { remaining = object }

    func peek(_ name: String) -> JSONValue? { remaining[name] }

    mutating func remove(_ name: String) -> JSONValue? { remaining.removeValue(forKey: name) }

    mutating func id() throws(ProtocolError) -> MessageID? {
        guard let value = remaining.removeValue(forKey: "id") else { return nil }
        switch value {
        // Unicode scalars, as JSON Schema's maxLength counts: one grapheme can hold thousands of
        // combining marks, so counting what a person sees as characters bounds nothing.
        case .string(let text) where text.unicodeScalars.count <= 128: return .string(text)
        case .integer(let number): return .number(number)
        default: throw ProtocolError(.invalidField, "'id' must be a string of at most 128 characters (Unicode scalars) or an integer")
        }
    }

    mutating func requiredString(_ name: String) throws(ProtocolError) -> String {
        guard let value = remaining.removeValue(forKey: name) else {
            throw ProtocolError(name == "type" ? .unknownType : .invalidField, "'\(name)' is missing")
        }
        guard case .string(let text) = value, !text.isEmpty else {
            throw ProtocolError(name == "type" ? .unknownType : .invalidField, "'\(name)' must be a non-empty string, got \(value.typeName)")
        }
        return text
    }

    /// A key the server stores or looks up (an idempotency key, a command id): bounded in Unicode
    /// scalars (as the schemas' maxLength), without control characters (PostgreSQL refuses NUL in
    /// text, and none belongs in a key).
    mutating func key(_ name: String, maximumLength: Int) throws(ProtocolError) -> String {
        let text = try requiredString(name)
        guard text.unicodeScalars.count <= maximumLength else {
            throw ProtocolError(.invalidField, "'\(name)' must be at most \(maximumLength) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ProtocolError(.invalidField, "'\(name)' must not contain control characters")
        }
        return text
    }

    mutating func netuid() throws(ProtocolError) -> UInt16? {
        guard let value = remaining.removeValue(forKey: "netuid"), value != .null else { return nil }
        switch value {
        case .integer(let number) where (0...Int64(UInt16.max)).contains(number):
            return UInt16(number)
        default:
            let shown: String
            switch value {
            case .integer(let n): shown = String(n)
            case .unsigned(let n): shown = String(n)
            default: shown = value.typeName
            }
            throw ProtocolError(.invalidNetuid, "'netuid' must be an integer from 0 to 65535, got \(shown)")
        }
    }

    mutating func hotkey() throws(ProtocolError) -> String? {
        guard let value = remaining.removeValue(forKey: "hotkey"), value != .null else { return nil }
        guard case .string(let text) = value else {
            throw ProtocolError(.invalidHotkey, "'hotkey' must be an SS58 address string, got \(value.typeName)")
        }
        return try HotkeyAddress.validate(text)
    }

    mutating func kinds() throws(ProtocolError) -> Set<DividendKind>? {
        guard let value = remaining.removeValue(forKey: "kinds"), value != .null else { return nil }
        guard case .array(let items) = value, !items.isEmpty else {
            throw ProtocolError(.invalidKind, "'kinds' must be a non-empty array of map names such as \"AlphaDividendsPerSubnet\"")
        }
        var kinds = Set<DividendKind>()
        for item in items {
            guard case .string(let name) = item else {
                throw ProtocolError(.invalidKind, "'kinds' must hold strings, got \(item.typeName)")
            }
            let kind = DividendKind(rawValue: name)
            guard kind.isValidName else { throw ProtocolError(.invalidKind, "'\(name)' is not a dividend map name") }
            kinds.insert(kind)
        }
        return kinds
    }

    mutating func filter() throws(ProtocolError) -> DividendFilter {
        DividendFilter(netuid: try netuid(), hotkey: try hotkey(), kinds: try kinds())
    }

    /// Keys one `subscribe` may name at most: a bound before anything is allocated per key (the
    /// connection's subscription limit then applies to what is left).
    static let maximumKeysPerSubscribe = 1_024

    /// `subscribe`'s filters: `netuid` or a `netuids` list, `hotkey` or a `hotkeys` list, and
    /// `kinds` for all; one filter per combination of the listed netuids and hotkeys.
    mutating func filters() throws(ProtocolError) -> [DividendFilter] {
        let listedNetuids = try list("netuids", single: "netuid", code: .invalidNetuid) { value throws(ProtocolError) -> UInt16 in
            guard case .integer(let number) = value, (0...Int64(UInt16.max)).contains(number) else {
                let shown = if case .integer(let number) = value { String(number) } else { value.typeName }
                throw ProtocolError(.invalidNetuid, "'netuids' must hold integers from 0 to 65535, got \(shown)")
            }
            return UInt16(number)
        }
        let netuids: [UInt16?] = if let listedNetuids { listedNetuids } else { [try netuid()] }
        let listedHotkeys = try list("hotkeys", single: "hotkey", code: .invalidHotkey) { value throws(ProtocolError) -> String in
            guard case .string(let text) = value else { throw ProtocolError(.invalidHotkey, "'hotkeys' must hold SS58 address strings, got \(value.typeName)") }
            return try HotkeyAddress.validate(text)
        }
        let hotkeys: [String?] = if let listedHotkeys { listedHotkeys } else { [try hotkey()] }
        guard netuids.count * hotkeys.count <= Self.maximumKeysPerSubscribe else {
            throw ProtocolError(.invalidField, "one subscribe names at most \(Self.maximumKeysPerSubscribe) keys (netuids × hotkeys); this one names \(netuids.count * hotkeys.count)")
        }
        let kinds = try kinds()
        return netuids.flatMap { netuid in hotkeys.map { DividendFilter(netuid: netuid, hotkey: $0, kinds: kinds) } }
    }

    /// The list field `name` (non-empty, no repeats, not beside its `single` form), or nil when absent.
    private mutating func list<T: Hashable>(_ name: String, single: String, code: ErrorCode,
                                            _ element: (JSONValue) throws(ProtocolError) -> T) throws(ProtocolError) -> [T]? {
        guard let value = remaining.removeValue(forKey: name), value != .null else { return nil }
        guard remaining[single] == nil || remaining[single] == .null else {
            throw ProtocolError(code, "give '\(single)' or '\(name)', not both")
        }
        guard case .array(let items) = value, !items.isEmpty, items.count <= Self.maximumKeysPerSubscribe else {
            throw ProtocolError(code, "'\(name)' must be an array of 1 to \(Self.maximumKeysPerSubscribe) items, got \(value.typeName)")
        }
        var seen = Set<T>(), result: [T] = []
        for item in items {
            let parsed = try element(item)
            guard seen.insert(parsed).inserted else { throw ProtocolError(code, "'\(name)' names \(parsed) twice") }
            result.append(parsed)
        }
        return result
    }

    /// `history`'s fields: `netuid` (required), `hotkey`, `kind`, `from_block`, `to_block`,
    /// `limit` (1 to ``HistoryQuery/maximumLimit``), `cursor` (a previous page's `next_cursor`).
    mutating func historyQuery() throws(ProtocolError) -> HistoryQuery {
        guard let netuid = try netuid() else { throw ProtocolError(.invalidNetuid, "'netuid' is required") }
        var query = HistoryQuery(netuid: netuid, hotkey: try hotkey())
        if let value = remaining.removeValue(forKey: "kind"), value != .null {
            guard case .string(let name) = value, DividendKind(rawValue: name).isValidName else {
                throw ProtocolError(.invalidKind, "'kind' must be one map name such as \"AlphaDividendsPerSubnet\"")
            }
            query.kind = DividendKind(rawValue: name)
        }
        query.fromBlock = try block("from_block")
        query.toBlock = try block("to_block")
        if let value = remaining.removeValue(forKey: "limit"), value != .null {
            guard case .integer(let limit) = value, (1...Int64(HistoryQuery.maximumLimit)).contains(limit) else {
                throw ProtocolError(.invalidField, "'limit' must be an integer from 1 to \(HistoryQuery.maximumLimit)")
            }
            query.limit = Int(limit)
        }
        if let value = remaining.removeValue(forKey: "cursor"), value != .null {
            guard case .string(let text) = value, let offset = HistoryCursor.decode(text) else {
                throw ProtocolError(.invalidField, "'cursor' must be a 'next_cursor' this server handed out")
            }
            query.before = offset
        }
        return query
    }

    private mutating func block(_ name: String) throws(ProtocolError) -> UInt64? {
        guard let value = remaining.removeValue(forKey: name), value != .null else { return nil }
        guard case .integer(let number) = value, number >= 0 else {
            throw ProtocolError(.invalidField, "'\(name)' must be a block number (a non-negative integer)")
        }
        return UInt64(number)
    }

    mutating func offset(_ name: String) throws(ProtocolError) -> StreamOffset? {
        guard let value = remaining.removeValue(forKey: name), value != .null else { return nil }
        guard case .string(let text) = value, let offset = StreamOffset(text) else {
            throw ProtocolError(.invalidOffset, "'\(name)' must be an offset string like \"4812345-0\", as updates carry it")
        }
        return offset
    }

    /// `netuid`, `hotkey` (both required), the amount as exactly one of `amount` (a decimal string
    /// of TAO for stake, of alpha for unstake) or `amount_rao` (an integer in the smallest unit),
    /// optional `limit_price` (rao per alpha), and `idempotency_key`.
    mutating func stakeCommand(_ action: StakeCommand.Action) throws(ProtocolError) -> StakeCommand {
        guard let netuid = try netuid() else { throw ProtocolError(.invalidNetuid, "'netuid' is required") }
        guard let hotkey = try hotkey() else { throw ProtocolError(.invalidHotkey, "'hotkey' is required") }
        let decimal = remaining.removeValue(forKey: "amount")
        let units = remaining.removeValue(forKey: "amount_rao")
        let unit = action == .stake ? "TAO" : "alpha"
        let amount: UInt64
        switch (decimal, units) {
        case (.string(let text)?, nil):
            do { amount = try DecimalAmount.units(text) } catch { throw ProtocolError(.invalidAmount, "'amount' \(error)") }
        case (nil, .integer(let value)?) where value > 0:
            amount = UInt64(value)
        case (nil, .unsigned(let value)?) where value > 0:
            amount = value
        case (nil, nil):
            throw ProtocolError(.invalidAmount, "give 'amount' (a decimal string of \(unit), e.g. \"0.5\") or 'amount_rao' (an integer, 10^9 per \(unit))")
        case (.some, .some):
            throw ProtocolError(.invalidAmount, "give either 'amount' or 'amount_rao', not both")
        default:
            throw ProtocolError(.invalidAmount, "'amount' must be a decimal string such as \"0.5\" and 'amount_rao' a positive integer")
        }
        guard amount > 0 else { throw ProtocolError(.invalidAmount, "the amount must be more than zero") }
        var limitPrice: UInt64?
        if let value = remaining.removeValue(forKey: "limit_price"), value != .null {
            switch value {
            case .integer(let price) where price > 0: limitPrice = UInt64(price)
            case .unsigned(let price) where price > 0: limitPrice = price
            default: throw ProtocolError(.invalidField, "'limit_price' must be a positive integer: rao per alpha")
            }
        }
        let key = try key("idempotency_key", maximumLength: 64)
        return StakeCommand(action: action, netuid: netuid, hotkey: hotkey, amount: amount, limitPrice: limitPrice, idempotencyKey: key)
    }

    func rejectUnknown(type: String) throws(ProtocolError) {
        guard let name = remaining.keys.sorted().first else { return }
        throw ProtocolError(.invalidField, "'\(name)' is not a field of '\(type)'")
    }
}
