/// A value that must never reach a log line, an error message or a terminal.
///
/// Its descriptions are redacted; code that needs the value asks for ``revealed`` by name, which
/// makes every use easy to find in review.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let revealed: String

    public init(_ value: String) { self.revealed = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
