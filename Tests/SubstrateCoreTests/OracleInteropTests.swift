import Foundation
import SubstrateCore
import TestHarness
import Testing

/// Our metadata, keys and values against the official SDK's (bittensor 11.3, Rust sp-core).
@Suite struct OracleInteropTests {
    let metadata = ChainFixtures.v15
    static var load: [String: Any] { ["cmd": "load_metadata", "path": ReferenceOracle.fixture("spec343-metadata_at_version_15.hex")] }

    var allItems: [StorageItem] {
        metadata.pallets.flatMap { pallet in
            (pallet.storage?.entries ?? []).compactMap { try? metadata.storageEntry(pallet: pallet.name, item: $0.name) }
        }
    }

    @Test func everyStoragePrefixAndHasherListMatches() throws {
        let items = allItems
        var requests: [[String: Any]] = [Self.load]
        for item in items {
            requests.append(["cmd": "storage_prefix", "pallet": item.pallet, "item": item.entry.name])
            requests.append(["cmd": "storage_entry", "pallet": item.pallet, "item": item.entry.name])
        }
        let answers = try ReferenceOracle.run(requests)
        for (index, item) in items.enumerated() {
            let prefix = answers[1 + 2 * index]
            let entry = answers[2 + 2 * index].value as? [String: Any]
            #expect(prefix.string == Hex.encode(item.prefix), "\(item.pallet)::\(item.entry.name)")
            #expect(entry?["hashers"] as? [String] == item.entry.hashers.map(\.description), "\(item.pallet)::\(item.entry.name)")
            #expect(entry?["modifier"] as? String == (item.entry.modifier == .default ? "Default" : "Optional"))
            #expect(entry?["default"] as? String == Hex.encode(item.entry.defaultValue))
        }
        #expect(items.count > 250)
    }

    @Test func fullKeysForGeneratedArgumentsMatch() throws {
        var random = SeededGenerator(seed: 42)
        var cases: [(StorageKey, [DynamicValue], [Any])] = []
        for item in allItems where !item.entry.hashers.isEmpty {
            let storage = StorageKey(item, registry: metadata.registry)
            guard let types = try? storage.keyTypes() else { continue }
            var ours: [DynamicValue] = []
            var theirs: [Any] = []
            for type in types {
                guard let (value, sdk) = sample(type, &random) else { break }
                ours.append(value)
                theirs.append(sdk)
            }
            guard ours.count == types.count else { continue }
            cases.append((storage, ours, theirs))
            // And the iteration prefix with the first argument only.
            if types.count > 1 { cases.append((storage, [ours[0]], [theirs[0]])) }
        }
        var requests: [[String: Any]] = [Self.load]
        for (storage, _, sdk) in cases {
            requests.append(["cmd": "storage_key", "pallet": storage.item.pallet, "item": storage.item.entry.name, "params": sdk])
        }
        let answers = try ReferenceOracle.run(requests)
        for (index, (storage, arguments, _)) in cases.enumerated() {
            let name = "\(storage.item.pallet)::\(storage.item.entry.name)"
            #expect(answers[index + 1].string == Hex.encode(try storage.key(arguments)), "\(name) \(arguments)")
        }
        #expect(cases.count > 150, "only \(cases.count) items had simple keys")
    }

    @Test func recordedValuesDecodeAsTheSDKDecodesThem() throws {
        var items: [String: StorageItem] = [:]
        for item in allItems { items[Hex.encode(item.prefix)] = item }
        var cases: [(StorageItem, [UInt8])] = []
        for (key, value) in try RecordedStorageTests.recordedValues() {
            let bytes = hex(key)
            guard let value, bytes.count >= 32, let item = items[Hex.encode(bytes.prefix(32))] else { continue }
            cases.append((item, hex(value)))
        }
        var requests: [[String: Any]] = [Self.load]
        for (item, value) in cases {
            requests.append(["cmd": "decode", "type": Int(item.entry.valueType), "data": Hex.encode(value)])
        }
        let answers = try ReferenceOracle.run(requests)
        var compared = 0
        for (index, (item, value)) in cases.enumerated() {
            guard let theirs = answers[index + 1].value else { continue }
            guard let ours = try? DynamicValueDecoder(registry: metadata.registry).decode(value, as: item.entry.valueType) else {
                Issue.record("\(item.entry.name): we could not decode what the SDK decodes")
                continue
            }
            #expect(canonical(sdkForm(ours, item.entry.valueType)) == canonical(theirs), "\(item.pallet)::\(item.entry.name)")
            compared += 1
        }
        #expect(compared >= 100)
    }

    @Test func addressesMatch() throws {
        var random = SeededGenerator(seed: 58)
        let keys = (0..<50).map { _ in (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let prefixes: [UInt16] = [42, 0, 2, 1337]
        var requests: [[String: Any]] = []
        for key in keys { for prefix in prefixes { requests.append(["cmd": "ss58_encode", "public_key": Hex.encode(key), "prefix": Int(prefix)]) } }
        let answers = try ReferenceOracle.run(requests)
        var index = 0
        for key in keys {
            for prefix in prefixes {
                #expect(answers[index].string == SS58Address(publicKey: key, prefix: prefix).description)
                index += 1
            }
        }
    }

    // MARK: Helpers

    /// A random argument of a simple key type, in our form and the SDK's.
    func sample(_ type: UInt32, _ random: inout SeededGenerator) -> (DynamicValue, Any)? {
        guard let resolved = try? metadata.registry.type(type) else { return nil }
        if resolved.path.last == "AccountId32" {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
            let address = SS58Address(publicKey: bytes).description
            return (.string(address), address)
        }
        switch resolved.definition {
        case .primitive(let primitive):
            let bits: UInt64? = switch primitive {
            case .u8: 8
            case .u16: 16
            case .u32: 32
            case .u64: 53
            default: nil
            }
            if primitive == .bool {
                let flag = Bool.random(using: &random)
                return (.bool(flag), flag)
            }
            guard let bits else { return nil }
            let value = random.next() >> (64 - bits)
            return (.unsigned(UInt128(value)), Int(value))
        case .composite(let fields) where fields.count == 1:
            return sample(fields[0].type, &random)
        default:
            return nil
        }
    }

    /// Our value in the shape the SDK's `decode` returns.
    func sdkForm(_ value: DynamicValue, _ type: UInt32) -> Any {
        let registry = metadata.registry
        switch value {
        case .bool(let flag): return flag
        case .unsigned(let number): return number < 1 << 53 ? Int(number) as Any : String(number)
        case .signed(let number): return abs(number) < 1 << 53 ? Int(number) as Any : String(number)
        case .string(let text): return text
        case .char(let scalar): return String(Character(scalar))
        case .bytes(let bytes): return "0x" + Hex.encode(bytes)
        case .wideInteger(let bytes, _): return Hex.encode(bytes)
        case .bits(let bits): return bits
        case .sequence(let items):
            let element = elementType(type)
            return items.map { sdkForm($0, element ?? type) }
        case .tuple(let items):
            let types = fieldTypes(type)
            if items.count == 1 { return sdkForm(items[0], types.first ?? type) }
            return zip(items, types).map { sdkForm($0, $1) }
        case .composite(let fields):
            let types = fieldTypes(type)
            var object: [String: Any] = [:]
            for ((name, item), fieldType) in zip(fields, types) { object[name] = sdkForm(item, fieldType) }
            return object
        case .variant(let name, _, let fields):
            let variantFields = variantFieldTypes(type, name)
            if (try? registry.type(type))?.path.last == "Option" {
                if name == "None" { return NSNull() }
                if case .tuple(let items) = fields, items.count == 1 { return sdkForm(items[0], variantFields.first ?? type) }
            }
            if case .tuple(let items) = fields, items.isEmpty { return name }
            return [name: sdkForm(fields, variantFields.count == 1 ? variantFields[0] : type)]
        }
    }

    func fieldTypes(_ type: UInt32) -> [UInt32] {
        switch (try? metadata.registry.type(type))?.definition {
        case .composite(let fields)?: fields.map(\.type)
        case .tuple(let elements)?: elements
        default: []
        }
    }

    func elementType(_ type: UInt32) -> UInt32? {
        switch (try? metadata.registry.type(type))?.definition {
        case .sequence(let element)?, .array(_, let element)?: element
        default: nil
        }
    }

    func variantFieldTypes(_ type: UInt32, _ name: String) -> [UInt32] {
        guard case .variant(let variants)? = (try? metadata.registry.type(type))?.definition else { return [] }
        return variants.first { $0.name == name }?.fields.map(\.type) ?? []
    }

    func canonical(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: ["v": value], options: [.sortedKeys, .fragmentsAllowed]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }
}
