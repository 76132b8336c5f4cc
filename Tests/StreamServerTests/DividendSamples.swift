import ChainWatcher
import Model

/// Well-known dev accounts (//Alice … //Ferdie), valid SS58 addresses to use as hotkeys.
enum Hotkeys {
    static let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    static let bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
    static let charlie = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y"
    static let dave = "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy"
}

/// Publishes blocks of changes through the real publisher, numbering offsets as the watcher does.
actor ChangeScript {
    let publisher: DividendPublisher
    private(set) var block: UInt64 = 100
    private var values: [DividendKey: UInt64] = [:]

    init(_ publisher: DividendPublisher) { self.publisher = publisher }

    /// Publishes one block that sets each key to its value (nil removes it); returns its changes.
    @discardableResult
    func publish(_ updates: [(DividendKey, UInt64?)]) async throws -> [DividendChange] {
        block += 1
        var changes: [DividendChange] = []
        for (index, (key, value)) in updates.enumerated() {
            changes.append(DividendChange(
                kind: key.kind, netuid: key.netuid, hotkey: key.hotkey, old: values[key], new: value,
                block: block, blockHash: "0x" + String(repeating: String(block % 10), count: 64),
                offset: StreamOffset(block: block, sequence: UInt64(index))
            ))
            values[key] = value
        }
        try await publisher.publish(block: block, blockHash: changes.first?.blockHash ?? "0x00", changes: changes)
        return changes
    }

    func value(_ key: DividendKey) -> UInt64? { values[key] }
}

func key(_ netuid: UInt16, _ hotkey: String, _ kind: DividendKind = .alpha) -> DividendKey {
    DividendKey(kind: kind, netuid: netuid, hotkey: hotkey)
}

extension TestWebSocket.Message {
    var change: [String: JSONValue]? { self["change"]?.objectValue }
    var changeKey: String? {
        guard let change else { return nil }
        return "\(change["kind"]?.stringValue ?? "")/\(change["netuid"]?.intValue ?? -1)/\(change["hotkey"]?.stringValue ?? "")"
    }
}
