/// The `metadata` fields of a Kubernetes object that the mirror uses. Unknown fields are ignored.
public struct KubeObjectMeta: Sendable, Equatable, Decodable {
    public var name: String
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    /// RFC 3339 text as the apiserver sends it (`2025-03-01T10:00:00Z`).
    public var creationTimestamp: String?
    public var deletionTimestamp: String?

    public init(
        name: String, namespace: String? = nil, uid: String? = nil, resourceVersion: String? = nil,
        labels: [String: String]? = nil, annotations: [String: String]? = nil, creationTimestamp: String? = nil,
        deletionTimestamp: String? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.labels = labels
        self.annotations = annotations
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
    }

    /// `namespace/name`, or `name` for cluster-scoped objects (client-go `MetaNamespaceKeyFunc`).
    public var objectKey: String {
        if let namespace, !namespace.isEmpty { return "\(namespace)/\(name)" }
        return name
    }

    /// The first present annotation among `keys` (Cilium `annotation.Get`: primary key, then aliases).
    public func annotation(_ keys: String...) -> String? {
        guard let annotations else { return nil }
        for key in keys {
            if let value = annotations[key] { return value }
        }
        return nil
    }
}
