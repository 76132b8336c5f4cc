extension Migration {
    /// Every migration, in the order they apply. A new table is a new file plus one line here.
    public static let all: [Migration] = [
        .apiTokens,
        .dividendHistory,
        .commands,
        .commandEra,
        .historyByNetuid,
        .alerts,
    ]
}
