import Foundation
import TestHarness

/// The shared reference oracle (Tests/Oracle/oracle.py), with typed answers for these tests.
enum Oracle {
    struct Failure: Error, CustomStringConvertible {
        let errorClass: String
        let message: String
        var description: String { "oracle raised \(errorClass): \(message)" }
    }

    enum Answer {
        case ok(Any)
        case error(Failure)

        /// The successful value; a test that expected success fails with the SDK's exception.
        func value<T>(_: T.Type = T.self) throws -> T {
            switch self {
            case .ok(let value):
                guard let typed = value as? T else { throw Failure(errorClass: "TypeMismatch", message: "\(value) is not \(T.self)") }
                return typed
            case .error(let failure):
                throw failure
            }
        }

        var failure: Failure? {
            if case .error(let failure) = self { return failure }
            return nil
        }
    }

    static func run(_ requests: [[String: Any]]) throws -> [Answer] {
        try ReferenceOracle.run(requests).map { answer in
            switch answer {
            case .ok(let value): .ok(value)
            case .error(let kind, let message): .error(Failure(errorClass: kind, message: message))
            }
        }
    }

    static func call(_ request: [String: Any]) throws -> Answer {
        try run([request])[0]
    }
}
