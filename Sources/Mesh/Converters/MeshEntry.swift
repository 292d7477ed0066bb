/// One etcd key/value the mirror should hold.
public struct MeshEntry: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]

    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }

    /// The value as text (tests, logs).
    public var valueText: String { String(decoding: value, as: UTF8.self) }
}

/// A converter's verdict on an object it could not (fully) export; logged by the caller.
public struct MeshRejection: Sendable, Equatable, CustomStringConvertible {
    public var kind: KubeKind
    /// `namespace/name` or `name`.
    public var object: String
    public var reason: String

    public init(kind: KubeKind, object: String, reason: String) {
        self.kind = kind
        self.object = object
        self.reason = reason
    }

    public var description: String { "\(kind.rawValue) \(object): \(reason)" }
}

/// Output of a converter: the entries an object produces, plus reasons for anything skipped.
public struct MeshConversion: Sendable, Equatable {
    public var entries: [MeshEntry]
    public var rejections: [MeshRejection]

    public init(entries: [MeshEntry] = [], rejections: [MeshRejection] = []) {
        self.entries = entries
        self.rejections = rejections
    }
}

/// The local cluster as the converters see it (`--cluster-name`, `--cluster-id`,
/// `--max-connected-clusters`).
public struct MeshClusterInfo: Sendable, Equatable {
    public var name: String
    public var id: UInt32
    /// 255 or 511.
    public var maxConnectedClusters: UInt32

    public init(name: String, id: UInt32, maxConnectedClusters: UInt32 = 255) {
        self.name = name
        self.id = id
        self.maxConnectedClusters = maxConnectedClusters
    }
}
