import Foundation
import SubstrateCore
import TestHarness
import Testing

/// Our metadata, keys and values against the official SDK's (bittensor 11.3, Rust sp-core).
@Suite struct OracleInteropTests {
    let metadata = ChainFixtures.v15
    static var load: [String: Any] { ["cmd": "load_metadata", "path": ReferenceOracle.fixture("spec343-metadata_at_version_15.hex")] }

    /// Every storage item of our metadata, each looked up by name. A lookup that fails throws
    /// (failing the test) instead of silently shortening the list the tests below compare.
    func allItems() throws -> [StorageItem] {
        var items: [StorageItem] = []
        for pallet in metadata.pallets {
            for entry in pallet.storage?.entries ?? [] {
                items.append(try metadata.storageEntry(pallet: pallet.name, item: entry.name))
            }
        }
        return items
    }

    /// The item list itself is checked against the SDK's (an item missing or extra on either
    /// side fails, so a decoder that drops items cannot pass), then every item's prefix, hashers,
    /// modifier, default and key/value type ids.
    @Test func everyStoragePrefixAndHasherListMatches() throws {
        let items = try allItems()
        var requests: [[String: Any]] = [Self.load, ["cmd": "storage_items"]]
        for item in items {
            requests.append(["cmd": "storage_prefix", "pallet": item.pallet, "item": item.entry.name])
            requests.append(["cmd": "storage_entry", "pallet": item.pallet, "item": item.entry.name])
        }
        let answers = try ReferenceOracle.run(requests)

        let listed = try #require(answers[1].value as? [[String: Any]], "\(answers[1])")
        let theirs: [String] = listed.map { "\($0["pallet"] as? String ?? "?")::\($0["item"] as? String ?? "?")" }
        let ours: [String] = items.map { "\($0.pallet)::\($0.entry.name)" }
        let onlyOurs: [String] = Set(ours).subtracting(theirs).sorted()
        let onlyTheirs: [String] = Set(theirs).subtracting(ours).sorted()
        #expect(onlyOurs == [], "items only we decode")
        #expect(onlyTheirs == [], "items only the SDK knows")
        #expect(Set(ours).count == ours.count, "an item listed twice")
        #expect(ours == theirs, "the same items in the metadata's order")
        #expect(ours.count == 295, "spec 343 has 295 storage items (Tests/Oracle/README.md)")
        var sdkEntries: [String: [String: Any]] = [:]
        for (name, entry) in zip(theirs, listed) { sdkEntries[name] = entry }

        for (index, item) in items.enumerated() {
            let name = "\(item.pallet)::\(item.entry.name)"
            let prefix = answers[2 + 2 * index]
            let entry = answers[3 + 2 * index].value as? [String: Any]
            #expect(prefix.string == Hex.encode(item.prefix), "\(name)")
            #expect(entry?["hashers"] as? [String] == item.entry.hashers.map(\.description), "\(name)")
            #expect(entry?["modifier"] as? String == (item.entry.modifier == .default ? "Default" : "Optional"), "\(name)")
            #expect(entry?["default"] as? String == Hex.encode(item.entry.defaultValue), "\(name)")
            // What the SDK's list says about the item: its pallet prefix and registry type ids.
            let sdkEntry = sdkEntries[name]
            let keyTypes: [Int] = try StorageKey(item, registry: metadata.registry).keyTypes().map { Int($0) }
            #expect(sdkEntry?["prefix"] as? String == item.palletPrefix, "\(name)")
            #expect(sdkEntry?["key_types"] as? [Int] == keyTypes, "\(name)")
            #expect(sdkEntry?["value_type"] as? Int == Int(item.entry.valueType), "\(name)")
        }
    }

    @Test func fullKeysForGeneratedArgumentsMatch() throws {
        var random = SeededGenerator(seed: 42)
        var cases: [(StorageKey, [DynamicValue], [Any])] = []
        for item in try allItems() where !item.entry.hashers.isEmpty {
            let storage = StorageKey(item, registry: metadata.registry)
            let types = try storage.keyTypes()
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
        for item in try allItems() { items[Hex.encode(item.prefix)] = item }
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

    /// Decoding, both ways: we read the SDK's addresses (prefix and key) and the SDK reads ours,
    /// for one- and two-byte prefixes; a wrong network and broken addresses are refused by both.
    /// The SDK (sp-core) decodes only prefixes registered in the SS58 registry (not 64 or 16383,
    /// which we accept), so these prefixes are registered ones.
    @Test func addressesDecodeAsTheSDKDecodesThem() throws {
        var random = SeededGenerator(seed: 5858)
        let keys: [[UInt8]] = [hex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")]
            + (0..<8).map { _ in (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let prefixes: [UInt16] = [0, 2, 42, 63, 65, 255, 1337, 12191]
        var cases: [(key: [UInt8], prefix: UInt16, address: String)] = []
        for key in keys {
            for prefix in prefixes { cases.append((key, prefix, SS58Address(publicKey: key, prefix: prefix).description)) }
        }
        var requests: [[String: Any]] = []
        for c in cases {
            requests.append(["cmd": "ss58_encode", "public_key": Hex.encode(c.key), "prefix": Int(c.prefix)])
            requests.append(["cmd": "ss58_decode", "address": c.address])
            requests.append(["cmd": "ss58_decode", "address": c.address, "prefix": Int(c.prefix)])
            requests.append(["cmd": "ss58_decode", "address": c.address, "prefix": 42])
        }
        let broken = [
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ",  // last character changed: checksum
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKvtQY",  // a middle one: checksum
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut",  // truncated
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQYY",  // one character too many
            "50rwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",  // 0 is not Base58
            "",
        ]
        for address in broken { requests.append(["cmd": "ss58_decode", "address": address]) }
        let answers = try ReferenceOracle.run(requests)
        try #require(answers.count == requests.count)

        for (index, c) in cases.enumerated() {
            let label = Comment(rawValue: "prefix \(c.prefix), key \(Hex.encode(c.key))")
            let sdkAddress = try #require(answers[4 * index].string, "\(answers[4 * index])")
            #expect(sdkAddress == c.address, label)
            let parsed = try SS58Address(sdkAddress)
            #expect(parsed.prefix == c.prefix, label)
            #expect(parsed.publicKey == c.key, label)
            #expect(try SS58Address(sdkAddress, expectedPrefix: c.prefix).publicKey == c.key, label)
            #expect(answers[4 * index + 1].string == Hex.encode(c.key), label)
            #expect(answers[4 * index + 2].string == Hex.encode(c.key), label)
            if c.prefix == 42 {
                #expect(answers[4 * index + 3].string == Hex.encode(c.key), label)
                #expect(try AccountID(ss58: sdkAddress).bytes == c.key, label)
            } else {
                if case .error(let kind, _) = answers[4 * index + 3] {
                    #expect(kind == "ValueError", label)
                } else {
                    Issue.record("the SDK read a prefix-\(c.prefix) address as prefix 42: \(answers[4 * index + 3])")
                }
                #expect(throws: SS58Error.wrongNetwork(expected: 42, found: c.prefix)) { try AccountID(ss58: sdkAddress) }
            }
        }
        for (offset, address) in broken.enumerated() {
            let answer = answers[4 * cases.count + offset]
            if case .error(let kind, _) = answer {
                #expect(kind == "ValueError", "\(address)")
            } else {
                Issue.record("the SDK decoded the broken address '\(address)': \(answer)")
            }
            #expect(throws: SS58Error.self, "\(address)") { try SS58Address(address) }
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
