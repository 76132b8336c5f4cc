import Logging

extension SettingsSource {
    /// `TAOSTREAM_LOG_LEVEL`: trace, debug, info, notice, warning, error or critical.
    public func logLevel(flag: String? = nil) throws(ConfigurationError) -> Logger.Level {
        let text = flag ?? lookup("TAOSTREAM_LOG_LEVEL")?.value ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(
                setting: "TAOSTREAM_LOG_LEVEL", origin: flag != nil ? .flag("log-level") : lookup("TAOSTREAM_LOG_LEVEL")?.origin,
                problem: "'\(text)' is not a log level",
                fix: "Use one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", ") + "."
            )
        }
        return level
    }
}
