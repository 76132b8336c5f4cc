import SubstrateCore
import TaoConfiguration

/// The operator's caps on commands. Amounts are in the smallest unit (rao for stake, the subnet's
/// alpha unit for unstake); both count against the same numbers.
public struct CommandLimits: Sendable {
    /// Smallest single command (TAOSTREAM_MIN_STAKE_PER_COMMAND, decimal, default 0.001): each
    /// command is its own extrinsic paying its own fee, so dust stakes cost more than they move.
    public var minPerCommand: UInt64 = 1_000_000
    /// Largest single command (TAOSTREAM_MAX_STAKE_PER_COMMAND, decimal, default 1).
    public var maxPerCommand: UInt64 = 1_000_000_000
    /// Total per token per UTC day (TAOSTREAM_MAX_STAKE_PER_DAY, decimal, default 10).
    public var maxPerDay: UInt64 = 10_000_000_000
    /// Commands per token per UTC day, whatever their amounts (TAOSTREAM_MAX_COMMANDS_PER_DAY,
    /// default 100).
    public var maxCommandsPerDay: Int = 100
    /// Subnets commands may touch (TAOSTREAM_ALLOWED_NETUIDS, comma-separated); nil allows all.
    public var allowedNetuids: Set<UInt16>?

    public init() {}

    public init(_ source: SettingsSource) throws {
        func amount(_ key: String, _ defaultValue: UInt64) throws -> UInt64 {
            guard let text = source.optionalString(key) else { return defaultValue }
            do { return try TokenAmount(decimal: text).units } catch {
                throw ConfigurationError(setting: key, origin: source.lookup(key)?.origin, problem: error.description, fix: "write a decimal amount such as 0.5")
            }
        }
        minPerCommand = try amount("TAOSTREAM_MIN_STAKE_PER_COMMAND", minPerCommand)
        maxPerCommand = try amount("TAOSTREAM_MAX_STAKE_PER_COMMAND", maxPerCommand)
        maxPerDay = try amount("TAOSTREAM_MAX_STAKE_PER_DAY", maxPerDay)
        maxCommandsPerDay = try source.integer("TAOSTREAM_MAX_COMMANDS_PER_DAY", default: maxCommandsPerDay, range: 1...1_000_000)
        guard minPerCommand <= maxPerCommand else {
            throw ConfigurationError(setting: "TAOSTREAM_MIN_STAKE_PER_COMMAND", origin: source.lookup("TAOSTREAM_MIN_STAKE_PER_COMMAND")?.origin,
                                     problem: "the minimum is above TAOSTREAM_MAX_STAKE_PER_COMMAND", fix: "lower the minimum or raise the maximum")
        }
        if let list = source.optionalString("TAOSTREAM_ALLOWED_NETUIDS") {
            var netuids = Set<UInt16>()
            for part in list.split(separator: ",") {
                guard let netuid = UInt16(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ConfigurationError(setting: "TAOSTREAM_ALLOWED_NETUIDS", origin: source.lookup("TAOSTREAM_ALLOWED_NETUIDS")?.origin,
                                             problem: "'\(part)' is not a netuid", fix: "list netuids separated by commas, e.g. 1,3,19")
                }
                netuids.insert(netuid)
            }
            allowedNetuids = netuids
        }
    }
}

import Foundation
