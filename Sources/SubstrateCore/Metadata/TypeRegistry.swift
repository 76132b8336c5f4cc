/// The runtime's types by id. Ids are dense (0, 1, 2, …) in every metadata seen; a sparse one
/// is accepted too.
public struct TypeRegistry: Sendable {
    private let types: [PortableType?]

    init(_ list: [PortableType]) {
        var table = [PortableType?](repeating: nil, count: (list.map(\.id).max().map { Int($0) + 1 }) ?? 0)
        for type in list { table[Int(type.id)] = type }
        types = table
    }

    public var count: Int { types.count }
    public var all: [PortableType] { types.compactMap { $0 } }

    public func type(_ id: UInt32) throws(MetadataError) -> PortableType {
        guard Int(id) < types.count, let type = types[Int(id)] else { throw .unknownType(id) }
        return type
    }

    /// The type with this Rust path, e.g. `sp_core::crypto::AccountId32`.
    public func type(path: String) -> PortableType? {
        types.first { $0?.pathName == path } ?? nil
    }

    /// Follows single-field composites (newtypes such as `NetUid(u16)`) to the type they wrap.
    public func unwrapped(_ id: UInt32) throws(MetadataError) -> PortableType {
        var current = try type(id)
        var hops = 0
        while case .composite(let fields) = current.definition, fields.count == 1, hops < 16 {
            current = try type(fields[0].type)
            hops += 1
        }
        return current
    }

    /// A readable name for error messages: the path, or the shape of a built-in type.
    public func name(of id: UInt32) -> String {
        guard let type = try? type(id) else { return "#\(id)" }
        if !type.path.isEmpty { return type.pathName }
        switch type.definition {
        case .primitive(let primitive): return "\(primitive)"
        case .sequence(let element): return "Vec<\(name(of: element))>"
        case .array(let length, let element): return "[\(name(of: element)); \(length)]"
        case .tuple(let elements): return "(" + elements.map { name(of: $0) }.joined(separator: ", ") + ")"
        case .compact(let inner): return "Compact<\(name(of: inner))>"
        case .bitSequence: return "BitVec"
        case .composite, .variant: return "#\(id)"
        }
    }
}
