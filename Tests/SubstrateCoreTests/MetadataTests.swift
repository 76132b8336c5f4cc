import SubstrateCore
import Testing

@Suite struct MetadataTests {
    let v14 = ChainFixtures.v14
    let v15 = ChainFixtures.v15

    @Test func bothVersionsDecode() {
        #expect(v14.version == 14)
        #expect(v15.version == 15)
        #expect(v14.pallets.count > 20)
        #expect(v15.apis.contains { $0.name == "Metadata" })
        #expect(v15.outerEnums != nil)
    }

    @Test func theSpecVersionComesFromTheMetadata() throws {
        for metadata in [v14, v15] {
            let constant = try metadata.constant(pallet: "System", name: "Version")
            let version = try DynamicValueDecoder(registry: metadata.registry).decode(constant.value, as: constant.type)
            #expect(version[field: "spec_name"]?.stringValue == "node-subtensor")
            #expect(version[field: "spec_version"]?.unsignedValue == 343)
            #expect(version[field: "transaction_version"]?.unsignedValue == 1)
        }
    }

    @Test func v14AndV15AgreeOnEveryPalletStorageItemAndCall() throws {
        #expect(v14.pallets.map(\.name) == v15.pallets.map(\.name))
        #expect(v14.pallets.map(\.index) == v15.pallets.map(\.index))
        var items = 0
        for (old, new) in zip(v14.pallets, v15.pallets) {
            #expect(old.storage?.prefix == new.storage?.prefix)
            #expect(old.storage?.entries.map(\.name) == new.storage?.entries.map(\.name), "\(old.name)")
            for (a, b) in zip(old.storage?.entries ?? [], new.storage?.entries ?? []) {
                items += 1
                #expect(a.modifier == b.modifier && a.hashers == b.hashers && a.defaultValue == b.defaultValue, "\(old.name)::\(a.name)")
                #expect(v14.registry.name(of: a.valueType) == v15.registry.name(of: b.valueType), "\(old.name)::\(a.name)")
            }
            #expect(v14.variantNames(of: old.callType) == v15.variantNames(of: new.callType), "\(old.name) calls")
            #expect(v14.variantNames(of: old.eventType) == v15.variantNames(of: new.eventType), "\(old.name) events")
            #expect(v14.variantNames(of: old.errorType) == v15.variantNames(of: new.errorType), "\(old.name) errors")
            #expect(old.constants.map(\.name) == new.constants.map(\.name))
        }
        #expect(items > 250)
        #expect(v14.extrinsic.signedExtensions.map(\.identifier) == v15.extrinsic.signedExtensions.map(\.identifier))
        #expect(v14.extrinsic.signedExtensions.map { v14.registry.name(of: $0.additionalSigned) }
            == v15.extrinsic.signedExtensions.map { v15.registry.name(of: $0.additionalSigned) })
        #expect(v14.extrinsic.version == 4 && v15.extrinsic.version == 4)
    }

    @Test func dividendMapsAreFoundThroughTheMetadata() throws {
        let item = try v15.storageEntry(pallet: "SubtensorModule", item: "AlphaDividendsPerSubnet")
        #expect(Hex.encode(item.prefix) == "658faa385070e074c85bf6b568cf0555362d401ea7c93984e89763daca2cbf3b")
        #expect(item.entry.hashers == [.identity, .blake2_128Concat])
        let key = try StorageKey(item, registry: v15.registry).keyTypes()
        #expect(key.map { v15.registry.name(of: $0) } == ["u16", "sp_core::crypto::AccountId32"])
        #expect(v15.registry.name(of: item.entry.valueType) == "u64")
        #expect(!v15.hasStorageEntry(pallet: "SubtensorModule", item: "TaoDividendsPerSubnet"))
        #expect(throws: MetadataError.unknownStorageItem(pallet: "SubtensorModule", item: "TaoDividendsPerSubnet")) {
            try v15.storageEntry(pallet: "SubtensorModule", item: "TaoDividendsPerSubnet")
        }
        for name in ["Tempo", "LastMechansimStepBlock", "BlocksSinceLastStep", "NetworksAdded"] {
            #expect(try v15.storageEntry(pallet: "SubtensorModule", item: name).entry.hashers == [.identity], "\(name)")
        }
    }

    @Test func signedExtensionsAreReadInOrder() {
        #expect(v15.extrinsic.signedExtensions.map(\.identifier) == [
            "CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis", "CheckMortality", "CheckNonce",
            "CheckWeight", "ChargeTransactionPayment", "SubtensorTransactionExtension", "DrandPriority", "CheckMetadataHash",
        ])
    }

    @Test func callsAndModuleErrorsAreLookedUpByName() throws {
        let (pallet, addStake) = try v15.call(pallet: "SubtensorModule", name: "add_stake")
        #expect(pallet == 7 && addStake.index == 2)
        #expect(addStake.fields.map(\.name) == ["hotkey", "netuid", "amount_staked"])
        #expect(throws: MetadataError.unknownCall(pallet: "SubtensorModule", call: "steal")) { try v15.call(pallet: "SubtensorModule", name: "steal") }
        let errorType = try #require(try v15.pallet(named: "SubtensorModule").errorType)
        let names = v15.variantNames(of: errorType)
        let index = try #require(names.firstIndex(of: "NotEnoughStakeToWithdraw"))
        let error = try #require(v15.moduleError(palletIndex: 7, errorIndex: UInt8(index)))
        #expect(error.name == "NotEnoughStakeToWithdraw" && !error.docs.isEmpty)
    }

    @Test func unsupportedAndForeignBytesGiveClearErrors() {
        #expect(throws: MetadataError.notMetadata) { try RuntimeMetadata(prefixed: Array("hello world".utf8)) }
        #expect(throws: MetadataError.unsupportedVersion(13)) { try RuntimeMetadata(prefixed: Array("meta".utf8) + [13, 0, 0]) }
        #expect(MetadataError.unsupportedVersion(13).description.contains("14 and 15"))
    }

    @Test func truncatedOrCorruptedMetadataEndsInATypedError() throws {
        let bytes = try Hex.decode(ChainFixtures.metadataV14Hex)
        var random = SeededGenerator(seed: 14)
        for _ in 0..<60 {
            let cut = Int.random(in: 5..<bytes.count, using: &random)
            #expect(throws: MetadataError.self) { try RuntimeMetadata(prefixed: Array(bytes[..<cut])) }
        }
        for _ in 0..<60 {
            var corrupted = bytes
            for _ in 0..<8 { corrupted[Int.random(in: 5..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            // Either still decodable or a typed error; never a crash.
            do { _ = try RuntimeMetadata(prefixed: corrupted) } catch {}
        }
    }
}
