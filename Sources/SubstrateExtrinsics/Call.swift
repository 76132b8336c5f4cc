import SubstrateCore

/// A runtime call, encoded through the metadata: pallet index, call index, then each argument
/// as its field type says.
public struct Call: Sendable, Equatable {
    public let pallet: String
    public let name: String
    public let bytes: [UInt8]

    /// `arguments` by field name; every field must be given, and nothing else.
    public init(metadata: RuntimeMetadata, pallet: String, name: String, arguments: [String: DynamicValue]) throws(ExtrinsicError) {
        let palletIndex: UInt8
        let variant: Variant
        do { (palletIndex, variant) = try metadata.call(pallet: pallet, name: name) } catch { throw .metadata(error) }
        let label = "\(pallet).\(name)"
        let names = Set(variant.fields.compactMap(\.name))
        let extra = arguments.keys.filter { !names.contains($0) }.sorted()
        guard extra.isEmpty else { throw .unexpectedArguments(call: label, names: extra) }
        var encoder = ScaleEncoder()
        encoder.append([palletIndex, variant.index])
        let valueEncoder = DynamicValueEncoder(registry: metadata.registry)
        for (position, field) in variant.fields.enumerated() {
            let fieldName = field.name ?? "\(position)"
            guard let value = arguments[fieldName] else { throw .missingArgument(call: label, argument: fieldName) }
            do { try valueEncoder.encode(value, as: field.type, into: &encoder) } catch {
                throw .badArgument(call: label, argument: fieldName, reason: error)
            }
        }
        self.pallet = pallet
        self.name = name
        self.bytes = encoder.bytes
    }
}
