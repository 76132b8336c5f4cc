import Foundation

/// Reads settings in the order an operator expects: a command-line flag wins over the environment,
/// the environment over the `.env` file, and the file over the built-in default.
public struct SettingsSource: Sendable {
    public let environment: [String: String]
    public let file: EnvironmentFile?

    public init(environment: [String: String], file: EnvironmentFile?) {
        self.environment = environment
        self.file = file
    }

    /// The process environment plus `TAOSTREAM_ENV_FILE` (must exist) or `./.env` (if present).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> SettingsSource {
        if let path = environment["TAOSTREAM_ENV_FILE"], !path.isEmpty {
            return SettingsSource(environment: environment, file: try EnvironmentFile.load(path: path, required: true))
        }
        return SettingsSource(environment: environment, file: try EnvironmentFile.load(path: ".env", required: false))
    }

    /// The raw value of `key` and where it came from, ignoring flags and defaults.
    public func lookup(_ key: String) -> (value: String, origin: SettingOrigin)? {
        if let value = environment[key], !value.isEmpty { return (value, .environment) }
        if let entry = file?.entries[key], !entry.value.isEmpty {
            return (entry.value, .file(path: file!.path, line: entry.line))
        }
        return nil
    }

    public func string(_ key: String, flag: String? = nil, flagName: String? = nil, default defaultValue: String) -> String {
        if let flag { return flag }
        return lookup(key)?.value ?? defaultValue
    }

    public func optionalString(_ key: String, flag: String? = nil) -> String? {
        flag ?? lookup(key)?.value
    }

    /// A secret: same precedence, but the value never appears in an error.
    public func secret(_ key: String) -> Secret? {
        lookup(key).map { Secret($0.value) }
    }

    public func integer(
        _ key: String, flag: Int? = nil, flagName: String? = nil, default defaultValue: Int, range: ClosedRange<Int>
    ) throws(ConfigurationError) -> Int {
        let (value, origin): (Int, SettingOrigin)
        if let flag {
            (value, origin) = (flag, .flag(flagName ?? key))
        } else if let found = lookup(key) {
            guard let parsed = Int(found.value.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError(
                    setting: key, origin: found.origin, problem: "'\(found.value)' is not a whole number",
                    fix: "Use a number from \(range.lowerBound) to \(range.upperBound)."
                )
            }
            (value, origin) = (parsed, found.origin)
        } else {
            return defaultValue
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                setting: key, origin: origin, problem: "\(value) is out of range",
                fix: "Use a number from \(range.lowerBound) to \(range.upperBound)."
            )
        }
        return value
    }

    /// A duration written as `250ms`, `5s`, `2m` or a plain number of seconds.
    public func duration(_ key: String, default defaultValue: Duration, range: ClosedRange<Duration>) throws(ConfigurationError) -> Duration {
        guard let found = lookup(key) else { return defaultValue }
        guard let value = Self.parseDuration(found.value) else {
            throw ConfigurationError(
                setting: key, origin: found.origin, problem: "'\(found.value)' is not a duration",
                fix: "Write it like 250ms, 5s or 2m."
            )
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                setting: key, origin: found.origin, problem: "\(value) is out of range",
                fix: "Use a value from \(range.lowerBound) to \(range.upperBound)."
            )
        }
        return value
    }

    public func boolean(_ key: String, flag: Bool? = nil, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        if let flag { return flag }
        guard let found = lookup(key) else { return defaultValue }
        switch found.value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            throw ConfigurationError(setting: key, origin: found.origin, problem: "'\(found.value)' is not a yes/no value", fix: "Use true or false.")
        }
    }

    static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, (Double) -> Duration)] = [
            ("ms", { .milliseconds($0) }), ("s", { .seconds($0) }), ("m", { .seconds($0 * 60) }), ("h", { .seconds($0 * 3600) }),
        ]
        for (suffix, make) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0 else { return nil }
            return make(number)
        }
        guard let seconds = Double(trimmed), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}
