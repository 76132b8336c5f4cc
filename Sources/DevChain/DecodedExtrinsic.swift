import SubstrateCore
import SubstrateExtrinsics
import SubstrateKeys

/// A signed extrinsic taken apart through the metadata.
struct DecodedExtrinsic: Sendable {
    let signer: [UInt8]
    let scheme: SignatureScheme
    let signature: [UInt8]
    let era: Era
    let nonce: UInt64
    let tip: UInt128
    /// The explicit signed-extension bytes, exactly as sent.
    let extra: [UInt8]
    let call: [UInt8]
    let pallet: String
    let callName: String
    let arguments: DynamicValue

    init(_ bytes: [UInt8], metadata: RuntimeMetadata) throws(TransactionInvalid) {
        do {
            var decoder = ScaleDecoder(bytes)
            let length = try decoder.decodeLength()
            guard length == decoder.remaining else { throw TransactionInvalid.undecodable("length prefix \(length) but \(decoder.remaining) bytes follow") }
            guard try decoder.readByte() == 0x84 else { throw TransactionInvalid.undecodable("only signed version-4 extrinsics are accepted") }
            guard try decoder.readByte() == 0 else { throw TransactionInvalid.undecodable("only MultiAddress::Id senders are accepted") }
            signer = Array(try decoder.readBytes(32))
            switch try decoder.readByte() {
            case 0: scheme = .ed25519
            case 1: scheme = .sr25519
            default: throw TransactionInvalid.undecodable("only ed25519 and sr25519 signatures are accepted")
            }
            signature = Array(try decoder.readBytes(64))
            let extraStart = decoder.offset
            var era = Era.immortal
            var nonce: UInt64 = 0
            var tip: UInt128 = 0
            let values = DynamicValueDecoder(registry: metadata.registry)
            for extension_ in metadata.extrinsic.signedExtensions {
                let start = decoder.offset
                let value = try values.decode(&decoder, as: extension_.type)
                switch extension_.identifier {
                case "CheckMortality", "CheckEra":
                    var eraDecoder = ScaleDecoder(Array(bytes[start..<decoder.offset]))
                    era = try Era(from: &eraDecoder)
                case "CheckNonce":
                    nonce = UInt64(clamping: value.unsignedValue ?? 0)
                case "ChargeTransactionPayment":
                    tip = value.unsignedValue ?? 0
                default:
                    break
                }
            }
            extra = Array(bytes[extraStart..<decoder.offset])
            self.era = era
            self.nonce = nonce
            self.tip = tip
            call = Array(bytes[decoder.offset...])
            guard let callType = metadata.outerEnums?.callType ?? metadata.extrinsic.callType else {
                throw TransactionInvalid.undecodable("the metadata names no call type")
            }
            let decodedCall = try values.decode(call, as: callType)
            guard case .variant(let pallet, _, let inner) = decodedCall, case .tuple(let items) = inner, items.count == 1,
                  case .variant(let name, _, let arguments) = items[0]
            else { throw TransactionInvalid.undecodable("the call is not pallet(call(arguments))") }
            self.pallet = pallet
            self.callName = name
            self.arguments = arguments
        } catch let error as TransactionInvalid {
            throw error
        } catch {
            throw .undecodable("\(error)")
        }
    }
}
