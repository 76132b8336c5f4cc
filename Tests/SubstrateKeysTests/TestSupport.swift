@testable import SubstrateKeys
import SubstrateCore

/// Hex literal for test vectors; a malformed literal is a bug in the test itself.
func hex(_ text: String) -> [UInt8] {
    guard let bytes = try? Hex.decode(text) else { fatalError("bad hex literal in test: \(text)") }
    return bytes
}

let devPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

import Foundation

/// A fresh temporary directory, removed by the caller with `removeTemporaryDirectory`.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "substrate-keys-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// A placeholder address for keyfiles written in tests that never reach the SDK.
let placeholderSS58 = "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
