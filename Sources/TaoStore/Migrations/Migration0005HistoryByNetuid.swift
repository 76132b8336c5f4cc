extension Migration {
    /// Reads of a subnet's history, newest first, page by page: without it such a read scans
    /// every change of the subnet's hotkeys and sorts them (the key index orders by hotkey first).
    static let historyByNetuid = Migration(version: 5, name: "history_by_netuid", statements: [
        "CREATE INDEX dividend_changes_netuid_block ON dividend_changes (netuid, block, sequence)",
    ])
}
