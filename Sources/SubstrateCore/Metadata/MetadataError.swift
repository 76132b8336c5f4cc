/// Why runtime metadata could not be read or does not have what was asked.
public enum MetadataError: Error, Equatable, CustomStringConvertible {
    case notMetadata
    case unsupportedVersion(UInt8)
    case malformed(ScaleError)
    case unknownType(UInt32)
    case unknownPallet(String)
    case unknownStorageItem(pallet: String, item: String)
    case unknownCall(pallet: String, call: String)
    case unknownConstant(pallet: String, constant: String)

    public var description: String {
        switch self {
        case .notMetadata:
            "the bytes are not runtime metadata (no 'meta' magic); pass the result of state_getMetadata or Metadata_metadata_at_version"
        case .unsupportedVersion(let version):
            "runtime metadata version \(version) is not supported; versions 14 and 15 are (ask the node for V15 with Metadata_metadata_at_version)"
        case .malformed(let error):
            "runtime metadata is malformed: \(error)"
        case .unknownType(let id):
            "type #\(id) is not in the metadata's type registry"
        case .unknownPallet(let name):
            "the runtime has no pallet named '\(name)'"
        case .unknownStorageItem(let pallet, let item):
            "pallet '\(pallet)' has no storage item '\(item)' in this runtime"
        case .unknownCall(let pallet, let call):
            "pallet '\(pallet)' has no call '\(call)' in this runtime"
        case .unknownConstant(let pallet, let constant):
            "pallet '\(pallet)' has no constant '\(constant)'"
        }
    }
}
