import Mesh

/// A complete set of objects (a file's content, the demo, a generated mesh), applied to the
/// mirror as one `replaceAll` per consumed kind: the mirror then writes only keys whose value
/// changed and deletes exactly the objects that disappeared, and every kind counts as listed
/// (also kinds with no object), so the canaries follow the first application.
public struct MeshSnapshot: Sendable, Equatable {
    /// Objects per kind, in input order (a later object with the same key wins in the mirror).
    public private(set) var objects: [KubeKind: [KubeObject]] = [:]

    public init(_ objects: [KubeObject] = []) {
        for object in objects { self.objects[object.kind, default: []].append(object) }
    }

    public mutating func append(_ object: KubeObject) {
        objects[object.kind, default: []].append(object)
    }

    public var count: Int { objects.values.reduce(0) { $0 + $1.count } }

    /// Count per kind.
    public var counts: [KubeKind: Int] { objects.mapValues(\.count) }

    /// `replaceAll` for every kind in `kinds` (in `KubeKind.allCases` order), empty ones included.
    public func events(for kinds: Set<KubeKind>) -> [MeshEvent] {
        KubeKind.allCases.filter(kinds.contains).map { .replaceAll($0, objects[$0] ?? []) }
    }
}
