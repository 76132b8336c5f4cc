import Foundation
import SubstrateCore
import SubstrateExtrinsics
import SubstrateKeys
import TestHarness
import Testing

/// Calls, signing payloads and signed extrinsics, byte for byte against the SDK (bittensor 11.3).
@Suite("Extrinsics against the Bittensor SDK")
struct ExtrinsicInteropTests {
    static let metadataFile = ReferenceOracle.fixture("spec343-metadata_at_version_15.hex")
    static let metadata = try! RuntimeMetadata(rpcResult: String(contentsOfFile: metadataFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
    static let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    static let bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
    static let mnemonic = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

    var load: [String: Any] { ["cmd": "load_metadata", "path": Self.metadataFile] }

    /// The calls the command executor sends, in our form and the SDK's.
    static var calls: [(pallet: String, name: String, ours: [String: DynamicValue], sdk: [String: Any])] { [
        ("SubtensorModule", "add_stake", ["hotkey": .string(alice), "netuid": .unsigned(3), "amount_staked": .unsigned(1_000_000_000)],
         ["hotkey": alice, "netuid": 3, "amount_staked": 1_000_000_000]),
        ("SubtensorModule", "remove_stake", ["hotkey": .string(bob), "netuid": .unsigned(64), "amount_unstaked": .unsigned(123_456_789)],
         ["hotkey": bob, "netuid": 64, "amount_unstaked": 123_456_789]),
        ("SubtensorModule", "add_stake_limit", ["hotkey": .string(alice), "netuid": .unsigned(1), "amount_staked": .unsigned(10_000_000),
                                                "limit_price": .unsigned(2_000_000_000), "allow_partial": .bool(true)],
         ["hotkey": alice, "netuid": 1, "amount_staked": 10_000_000, "limit_price": 2_000_000_000, "allow_partial": true]),
        ("SubtensorModule", "remove_stake_limit", ["hotkey": .string(bob), "netuid": .unsigned(2), "amount_unstaked": .unsigned(5),
                                                   "limit_price": .unsigned(1), "allow_partial": .bool(false)],
         ["hotkey": bob, "netuid": 2, "amount_unstaked": 5, "limit_price": 1, "allow_partial": false]),
        ("Balances", "transfer_keep_alive", ["dest": .variant(name: "Id", index: 0, fields: .tuple([.string(bob)])), "value": .unsigned(1_000_000_000_000)],
         ["dest": bob, "value": 1_000_000_000_000]),
    ] }

    @Test func callsMatchComposeCall() throws {
        let answers = try ReferenceOracle.run([load] + Self.calls.map { ["cmd": "compose_call", "pallet": $0.pallet, "call": $0.name, "args": $0.sdk] })
        for (call, answer) in zip(Self.calls, answers.dropFirst()) {
            let ours = try Call(metadata: Self.metadata, pallet: call.pallet, name: call.name, arguments: call.ours)
            #expect(answer.string == Hex.encode(ours.bytes), "\(call.pallet).\(call.name)")
        }
        // The fact the README states, independently of the oracle.
        let addStake = try Call(metadata: Self.metadata, pallet: "SubtensorModule", name: "add_stake", arguments: Self.calls[0].ours)
        #expect(Hex.encode(addStake.bytes) == "0702" + "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d" + "0300" + "00ca9a3b00000000")
    }

    @Test func badCallsAreRefusedWithTheReason() {
        #expect(throws: ExtrinsicError.self) {
            try Call(metadata: Self.metadata, pallet: "SubtensorModule", name: "add_stake", arguments: ["hotkey": .string(Self.alice), "netuid": .unsigned(3)])
        }
        let overflow = #expect(throws: ExtrinsicError.self) {
            try Call(metadata: Self.metadata, pallet: "SubtensorModule", name: "add_stake", arguments: ["hotkey": .string(Self.alice), "netuid": .unsigned(70_000), "amount_staked": .unsigned(1)])
        }
        #expect(overflow?.description.contains("netuid") == true)
        #expect(throws: ExtrinsicError.self) { try Call(metadata: Self.metadata, pallet: "SubtensorModule", name: "burn_it_all", arguments: [:]) }
    }

    func parameters(nonce: UInt64, current: UInt64, tip: UInt128 = 0) -> TransactionParameters {
        TransactionParameters(
            nonce: nonce, tip: tip, era: Era(period: 128, current: current),
            genesisHash: (0..<32).map { UInt8($0) }, birthBlockHash: [UInt8](repeating: 0xab, count: 32),
            specVersion: 343, transactionVersion: 1
        )
    }

    func sdkParameters(nonce: UInt64, current: UInt64, tip: UInt128 = 0) -> [String: Any] {
        ["nonce": nonce, "tip": Int(tip), "era": ["period": 128, "current": current],
         "genesis_hash": Hex.encode((0..<32).map { UInt8($0) }), "block_hash": String(repeating: "ab", count: 32)]
    }

    @Test func signingPayloadsMatch() throws {
        let builder = try ExtrinsicBuilder(metadata: Self.metadata)
        var requests: [[String: Any]] = [load]
        var expected: [String] = []
        for (index, call) in Self.calls.enumerated() {
            let bytes = try Call(metadata: Self.metadata, pallet: call.pallet, name: call.name, arguments: call.ours).bytes
            let nonce = UInt64(index * 1000 + 7)
            let current = UInt64(4_000_000 + index * 77)
            requests.append(["cmd": "signature_payload", "call": Hex.encode(bytes)].merging(sdkParameters(nonce: nonce, current: current, tip: UInt128(index))) { a, _ in a })
            expected.append(Hex.encode(try builder.signingPayload(call: bytes, parameters: parameters(nonce: nonce, current: current, tip: UInt128(index)))))
        }
        // A call longer than 256 bytes: the payload is its BLAKE2b-256 hash.
        let remark = try Call(metadata: Self.metadata, pallet: "System", name: "remark", arguments: ["remark": .bytes([UInt8](repeating: 0x5a, count: 300))])
        requests.append(["cmd": "signature_payload", "call": Hex.encode(remark.bytes)].merging(sdkParameters(nonce: 1, current: 99)) { a, _ in a })
        let long = try builder.signingPayload(call: remark.bytes, parameters: parameters(nonce: 1, current: 99))
        #expect(long.count == 32)
        expected.append(Hex.encode(long))
        let answers = try ReferenceOracle.run(requests)
        #expect(answers.dropFirst().map { $0.string ?? "\($0)" } == expected)
    }

    @Test func ed25519ExtrinsicsAreByteIdentical() throws {
        let builder = try ExtrinsicBuilder(metadata: Self.metadata)
        let signer = try Keypair(phrase: Self.mnemonic, scheme: .ed25519)
        var requests: [[String: Any]] = [load]
        var ours: [String] = []
        for (index, call) in Self.calls.enumerated() {
            let bytes = try Call(metadata: Self.metadata, pallet: call.pallet, name: call.name, arguments: call.ours).bytes
            requests.append(["cmd": "encode_signed_extrinsic", "call": Hex.encode(bytes), "mnemonic": Self.mnemonic, "scheme": "ed25519"]
                .merging(sdkParameters(nonce: UInt64(index), current: 5000)) { a, _ in a })
            ours.append(Hex.encode(try builder.sign(call: bytes, signer: signer, parameters: parameters(nonce: UInt64(index), current: 5000)).bytes))
        }
        let answers = try ReferenceOracle.run(requests)
        #expect(answers.dropFirst().map { $0.string ?? "\($0)" } == ours)
    }

    /// The SDK reads our signed extrinsic back field by field, so a wrong signer, nonce, tip, era
    /// or argument cannot hide behind a decode that merely succeeds; and it verifies our signature.
    @Test func theSDKDecodesOurSr25519ExtrinsicsAndVerifiesTheirSignatures() throws {
        let builder = try ExtrinsicBuilder(metadata: Self.metadata)
        let signer = try Keypair(phrase: Self.mnemonic)
        let call = try Call(metadata: Self.metadata, pallet: "SubtensorModule", name: "add_stake", arguments: Self.calls[0].ours)
        let extrinsic = try builder.sign(call: call, signer: signer, parameters: parameters(nonce: 42, current: 5000, tip: 9))
        let payload = try builder.signingPayload(call: call.bytes, parameters: parameters(nonce: 42, current: 5000, tip: 9))
        // The signature sits after 0x84, the MultiAddress (33 bytes) and the MultiSignature tag.
        var decoder = ScaleDecoder(extrinsic.bytes)
        let bodyLength = try decoder.decodeLength()
        #expect(bodyLength == decoder.remaining)
        try decoder.skip(1 + 33 + 1)
        let signature = Array(try decoder.readBytes(64))
        let answers = try ReferenceOracle.run([
            load,
            ["cmd": "decode_extrinsic", "data": Hex.encode(extrinsic.bytes)],
            ["cmd": "verify", "public_key": Hex.encode(signer.publicKey), "message": Hex.encode(payload), "signature": Hex.encode(signature), "scheme": "sr25519"],
            ["cmd": "verify", "public_key": Hex.encode(signer.publicKey), "message": Hex.encode(payload + [0]), "signature": Hex.encode(signature), "scheme": "sr25519"],
        ])
        let decoded = try #require(answers[1].value as? [String: Any], "\(answers[1])")

        // Signer and signature.
        #expect(decoded["address"] as? String == SS58Address(publicKey: signer.publicKey).description)
        #expect(decoded["address"] as? String == "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV")
        #expect(decoded["signature"] as? [String: String] == ["Sr25519": Hex.encode(signature, prefixed: true)])
        // The explicit signed-extension data: nonce, tip, era (period 128, phase 5000 mod 128), mode.
        #expect(decoded["nonce"] as? Int == 42)
        #expect(decoded["tip"] as? Int == 9)
        #expect(Era(period: 128, current: 5000) == Era.mortal(period: 128, phase: 8))
        #expect(decoded["era"] as? [Int] == [128, 8])
        #expect(decoded["mode"] as? [String: String] == ["mode": "Disabled"])
        // Length without its compact prefix; hash over everything, the prefix included.
        #expect(decoded["extrinsic_length"] as? Int == bodyLength)
        #expect(decoded["extrinsic_hash"] as? String == Hex.encode(extrinsic.hash, prefixed: true))

        // The call: which one, and every argument in the metadata's order with the value we gave.
        let sdkCall = try #require(decoded["call"] as? [String: Any], "\(decoded)")
        let (palletIndex, variant) = try Self.metadata.call(pallet: "SubtensorModule", name: "add_stake")
        #expect(sdkCall["call_module"] as? String == "SubtensorModule")
        #expect(sdkCall["call_function"] as? String == "add_stake")
        #expect(sdkCall["call_index"] as? String == Hex.encode([palletIndex, variant.index], prefixed: true))
        #expect(sdkCall["call_index"] as? String == "0x0702")
        #expect(sdkCall["call_hash"] as? String == Hex.encode(Blake2b.hash256(call.bytes), prefixed: true))
        let arguments = try #require(sdkCall["call_args"] as? [[String: Any]], "\(sdkCall)")
        let names: [String?] = arguments.map { $0["name"] as? String }
        let ourNames: [String?] = variant.fields.map(\.name)
        #expect(names == ourNames)
        #expect(names == ["hotkey", "netuid", "amount_staked"])
        // The SDK names each argument's type as the metadata does, minus the `T::` qualifier.
        let types: [String?] = arguments.map { $0["type"] as? String }
        let ourTypes: [String?] = variant.fields.map { field -> String? in
            guard let name = field.typeName else { return nil }
            return name.hasPrefix("T::") ? String(name.dropFirst(3)) : name
        }
        #expect(types == ourTypes)
        try #require(arguments.count == 3, "\(arguments)")
        #expect(arguments[0]["value"] as? String == Self.alice)
        #expect(arguments[1]["value"] as? Int == 3)
        #expect(arguments[2]["value"] as? Int == 1_000_000_000)

        #expect(answers[2].value as? Bool == true)
        #expect(answers[3].value as? Bool == false)
    }

    @Test func erasEncodeAsTheSDKEncodesThem() throws {
        // period 128 at block 5000: phase 8 → 0x8600, as the SDK's encode_era gives.
        #expect(Era(period: 128, current: 5000).encoded == [0x86, 0x00])
        #expect(Era(period: 128, current: 5000).birth(current: 5000) == 5000)
        #expect(Era(period: 128, current: 5000).birth(current: 5100) == 5000)
        #expect(Era.immortal.encoded == [0])
        for (period, current) in [(UInt64(4), UInt64(0)), (64, 1_234_567), (65536, 99_999_999), (1000, 77)] {
            let era = Era(period: period, current: current)
            var decoder = ScaleDecoder(era.encoded)
            #expect(try Era(from: &decoder) == era)
            #expect(era.birth(current: current) <= current)
        }
    }

    @Test func anUnknownSignedExtensionWithDataIsAnErrorNotAWrongSignature() throws {
        let metadata = Self.metadata
        let parameters = parameters(nonce: 1, current: 10)
        // Renamed, CheckNonce's data would be left out and the signature rejected: refuse instead.
        let renamed = metadata.extrinsic.signedExtensions.map { ext in
            ext.identifier == "CheckNonce" ? SignedExtensionMetadata(identifier: "CheckNonceV2", type: ext.type, additionalSigned: ext.additionalSigned) : ext
        }
        #expect(throws: ExtrinsicError.self) { try SignedExtensions(extensions: renamed, registry: metadata.registry, parameters: parameters) }
        // An unknown extension without data (like SubtensorTransactionExtension) is fine.
        let extra = metadata.extrinsic.signedExtensions + [SignedExtensionMetadata(
            identifier: "SomethingNew", type: metadata.extrinsic.signedExtensions.first { $0.identifier == "CheckWeight" }!.type,
            additionalSigned: metadata.extrinsic.signedExtensions.first { $0.identifier == "CheckWeight" }!.additionalSigned
        )]
        let known = try SignedExtensions(metadata: metadata, parameters: parameters)
        let withExtra = try SignedExtensions(extensions: extra, registry: metadata.registry, parameters: parameters)
        #expect(known.explicit == withExtra.explicit && known.implicit == withExtra.implicit)
        #expect(ExtrinsicError.unknownSignedExtension("CheckNonceV2").description.contains("nothing was signed"))
    }

    /// A known extension whose type a runtime changed (here: a plain u64 nonce instead of a
    /// compact one) would make the bytes TaoStream writes wrong: refuse to sign, saying which.
    @Test func aKnownSignedExtensionWithAnotherTypeIsAnError() throws {
        let metadata = Self.metadata
        let plainU64 = try #require(metadata.registry.all.first { if case .primitive(.u64) = $0.definition { true } else { false } }).id
        let changed = metadata.extrinsic.signedExtensions.map { ext in
            ext.identifier == "CheckNonce" ? SignedExtensionMetadata(identifier: ext.identifier, type: plainU64, additionalSigned: ext.additionalSigned) : ext
        }
        do {
            _ = try SignedExtensions(extensions: changed, registry: metadata.registry, parameters: parameters(nonce: 1, current: 10))
            Issue.record("a changed CheckNonce must not be signed")
        } catch {
            #expect("\(error)".contains("CheckNonce") && "\(error)".contains("8 fixed bytes") && "\(error)".contains("nothing was signed"), "\(error)")
        }
    }
}
