import SubstrateCore
import Testing

@Suite struct StorageKeyTests {
    let metadata = ChainFixtures.v15
    static let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    static let aliceKey = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"

    @Test func systemAccountOfAlice() throws {
        let key = try StorageKey(metadata: metadata, pallet: "System", item: "Account")
        let built = try key.key([.string(Self.alice)])
        #expect(Hex.encode(built) == "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59f" + Self.aliceKey)
        // Bytes and SS58 give the same key.
        #expect(try key.key([.bytes(hex(Self.aliceKey))]) == built)
        #expect(try key.arguments(of: built) == [.string(Self.alice)])
    }

    @Test func dividendKeysAndIterationPrefixes() throws {
        let key = try StorageKey(metadata: metadata, pallet: "SubtensorModule", item: "AlphaDividendsPerSubnet")
        let full = try key.key([.unsigned(3), .string(Self.alice)])
        let prefix = "658faa385070e074c85bf6b568cf0555362d401ea7c93984e89763daca2cbf3b"
        #expect(Hex.encode(full) == prefix + "0300" + "de1e86a9a8c739864cf3cc5ec2bea59f" + Self.aliceKey)
        #expect(Hex.encode(try key.key([.unsigned(3)])) == prefix + "0300")
        #expect(try key.key(encodedArguments: [UInt16(3).scaleEncoded, hex(Self.aliceKey)]) == full)
        #expect(try key.arguments(of: full) == [.unsigned(3), .string(Self.alice)])
        #expect(try key.value(UInt64(123_456_789).scaleEncoded) == .unsigned(123_456_789))
    }

    @Test func badArgumentsAreNamed() throws {
        let key = try StorageKey(metadata: metadata, pallet: "SubtensorModule", item: "AlphaDividendsPerSubnet")
        #expect(throws: StorageKeyError.self) { try key.key([.unsigned(70000)]) }
        #expect(throws: StorageKeyError.wrongArgumentCount(item: "AlphaDividendsPerSubnet", expected: 2, given: 3)) {
            try key.key([.unsigned(1), .string(Self.alice), .unsigned(2)])
        }
        let error = #expect(throws: StorageKeyError.self) { try key.key([.unsigned(1), .string("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ")]) }
        #expect(error?.description.contains("key argument 2") == true)
    }

    @Test func absentValuesOfDefaultItemsReadAsTheDefault() throws {
        let tempo = try StorageKey(metadata: metadata, pallet: "SubtensorModule", item: "Tempo")
        #expect(tempo.item.entry.modifier == .default)
        #expect(try tempo.value(nil) == DynamicValueDecoder(registry: metadata.registry).decode(tempo.item.entry.defaultValue, as: tempo.item.entry.valueType))
    }
}

@Suite struct RecordedStorageTests {
    /// Every recorded storage answer whose key belongs to an item of the spec-343 metadata.
    static func recordedValues() throws -> [(key: String, value: String?)] {
        var pairs: [(String, String?)] = []
        for (_, methods) in try ChainFixtures.recordedRPC() {
            for (params, response) in methods["state_getStorageAt"] ?? [:] {
                guard let list = try? JSONValueDecoding.array(params), let key = list.first as? String else { continue }
                for answer in JSONValueDecoding.answers(response) { pairs.append((key, answer["result"] as? String)) }
            }
            for (_, response) in methods["state_queryStorageAt"] ?? [:] {
                for answer in JSONValueDecoding.answers(response) {
                    for set in answer["result"] as? [[String: Any]] ?? [] {
                        for change in set["changes"] as? [[Any]] ?? [] {
                            if let key = change.first as? String { pairs.append((key, change.last as? String)) }
                        }
                    }
                }
            }
        }
        return pairs
    }

    @Test func recordedKeysAndValuesDecodeThroughTheRegistry() throws {
        let metadata = ChainFixtures.v15
        var items: [String: StorageItem] = [:]
        for pallet in metadata.pallets {
            for entry in pallet.storage?.entries ?? [] {
                let item = try metadata.storageEntry(pallet: pallet.name, item: entry.name)
                items[Hex.encode(item.prefix)] = item
            }
        }
        var decoded = 0
        var failures: [String] = []
        let recorded = try Self.recordedValues()
        for (key, value) in recorded {
            let bytes = hex(key)
            guard bytes.count >= 32, let item = items[Hex.encode(bytes.prefix(32))] else { continue }
            let storage = StorageKey(item, registry: metadata.registry)
            do {
                let arguments = try storage.arguments(of: bytes)
                #expect(arguments.count == item.entry.hashers.count)
                // Re-building the key from what was read gives the same bytes.
                if arguments.allSatisfy({ $0 != nil }) { #expect(try storage.key(arguments.map { $0! }) == bytes) }
                if let value {
                    let decodedValue = try storage.value(hex(value))
                    // And the value encodes back to the same bytes.
                    let again = try DynamicValueEncoder(registry: metadata.registry).encode(decodedValue!, as: item.entry.valueType)
                    #expect(Hex.encode(again) == Hex.encode(hex(value)), "\(item.entry.name)")
                }
                decoded += 1
            } catch {
                failures.append("\(item.pallet)::\(item.entry.name): \(error)")
            }
        }
        // Scenarios recorded under older runtimes may hold values whose type changed since.
        #expect(decoded >= 100, "decoded \(decoded) of \(recorded.count); failures: \(failures.prefix(5))")
        #expect(failures.count * 10 <= decoded, "\(failures.prefix(10))")
    }
}

/// The recorded JSON: a response is one answer, or `{"__cycle__": [answers…]}`.
enum JSONValueDecoding {
    static func array(_ text: String) throws -> [Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] ?? []
    }

    static func answers(_ response: Any) -> [[String: Any]] {
        guard let object = response as? [String: Any] else { return [] }
        if let cycle = object["__cycle__"] as? [[String: Any]] { return cycle }
        return [object]
    }
}

import Foundation
