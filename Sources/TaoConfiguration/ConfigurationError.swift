/// A setting that cannot be used, told as: which one, where it came from, what is wrong, what to do.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var setting: String
    public var origin: SettingOrigin?
    public var problem: String
    public var fix: String

    public init(setting: String, origin: SettingOrigin?, problem: String, fix: String) {
        self.setting = setting
        self.origin = origin
        self.problem = problem
        self.fix = fix
    }

    public var description: String {
        let source = origin.map { " (from \($0))" } ?? ""
        return "\(setting)\(source): \(problem). \(fix)"
    }
}

/// Where a setting's value came from, so an error can point at the right place to change it.
public enum SettingOrigin: Sendable, Equatable, CustomStringConvertible {
    case flag(String)
    case environment
    case file(path: String, line: Int)
    case defaultValue

    public var description: String {
        switch self {
        case .flag(let name): return "the --\(name) flag"
        case .environment: return "the environment"
        case .file(let path, let line): return "\(path) line \(line)"
        case .defaultValue: return "the default"
        }
    }
}
