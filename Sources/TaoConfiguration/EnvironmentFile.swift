import Foundation

/// A `.env` file: `KEY=value` lines, `#` comments, optional `export ` and quotes.
///
/// Only the subset docker-compose and shells agree on is accepted; anything else is an error with
/// its line number rather than a silently wrong value.
public struct EnvironmentFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var value: String
        public var line: Int
    }

    public let path: String
    public let entries: [String: Entry]

    public init(path: String, contents: String) throws(ConfigurationError) {
        self.path = path
        var entries: [String: Entry] = [:]
        for (index, rawLine) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(
                    setting: "line \(lineNumber)", origin: .file(path: path, line: lineNumber),
                    problem: "expected KEY=value", fix: "Fix or remove that line of the .env file."
                )
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ConfigurationError(
                    setting: "line \(lineNumber)", origin: .file(path: path, line: lineNumber),
                    problem: "'\(key)' is not a valid variable name", fix: "Use letters, digits and underscores."
                )
            }
            let value = try Self.unquote(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces), key: key, path: path, line: lineNumber)
            entries[key] = Entry(value: value, line: lineNumber)
        }
        self.entries = entries
    }

    /// Loads the file at `path`; a missing file is an error only when `required`.
    public static func load(path: String, required: Bool) throws(ConfigurationError) -> EnvironmentFile? {
        guard FileManager.default.fileExists(atPath: path) else {
            if required {
                throw ConfigurationError(
                    setting: "TAOSTREAM_ENV_FILE", origin: .environment,
                    problem: "no file at \(path)", fix: "Create it (see .env.example) or unset TAOSTREAM_ENV_FILE."
                )
            }
            return nil
        }
        // FileHandle rather than FileManager.contents: it also reads /dev/null and pipes.
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
            throw ConfigurationError(
                setting: "TAOSTREAM_ENV_FILE", origin: .file(path: path, line: 0),
                problem: "cannot read it", fix: "Check the file's permissions."
            )
        }
        return try EnvironmentFile(path: path, contents: String(decoding: data, as: UTF8.self))
    }

    private static func unquote(_ raw: String, key: String, path: String, line: Int) throws(ConfigurationError) -> String {
        guard let first = raw.first, first == "\"" || first == "'" else {
            // Unquoted: an inline comment starts at " #".
            if let comment = raw.range(of: " #") { return raw[..<comment.lowerBound].trimmingCharacters(in: .whitespaces) }
            return raw
        }
        guard raw.count >= 2, raw.last == first else {
            throw ConfigurationError(
                setting: key, origin: .file(path: path, line: line),
                problem: "the value opens a quote it does not close", fix: "Close the quote at the end of the line."
            )
        }
        let inner = String(raw.dropFirst().dropLast())
        guard first == "\"" else { return inner }
        return inner.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\\"", with: "\"")
    }
}
