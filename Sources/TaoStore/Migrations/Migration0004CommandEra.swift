extension Migration {
    /// The validity window of a command's signed extrinsic (its mortal era: the birth block and
    /// the first block past it). An executor resuming the command searches exactly that window:
    /// the extrinsic is in it, or it never ran and never can.
    static let commandEra = Migration(version: 4, name: "command_era", statements: [
        "ALTER TABLE commands ADD COLUMN era_birth BIGINT, ADD COLUMN era_end BIGINT",
    ])
}
