/// `ClusterService` (`pkg/clustermesh/store/store.go`, 1.18) at
/// `cilium/state/services/v1/<cluster>/<namespace>/<name>` (reference/cilium-clustermesh.md §1.3).
public struct ClusterServiceValue: Sendable, Equatable {
    /// `loadbalancer.L4Addr`: `{"Protocol":"TCP","Port":80}`.
    public struct L4Addr: Sendable, Equatable {
        public var `protocol`: String
        public var port: UInt16

        public init(protocol: String, port: UInt16) {
            self.protocol = `protocol`
            self.port = port
        }

        var json: GoJSON { .fields(["Protocol": .string(`protocol`), "Port": .uint(UInt64(port))]) }
    }

    /// Port name (`""` when unnamed) → address.
    public typealias PortConfiguration = [String: L4Addr]

    public var cluster: String
    public var namespace: String
    public var name: String
    /// Frontend IP text → ports; nil → `null`.
    public var frontends: [String: PortConfiguration]?
    /// Backend IP text → ports; nil → `null`.
    public var backends: [String: PortConfiguration]?
    /// Backend IP text → hostname (1.16+).
    public var hostnames: [String: String]?
    public var labels: [String: String]?
    public var selector: [String: String]?
    public var includeExternal: Bool
    public var shared: Bool
    public var clusterID: UInt32

    public init(
        cluster: String, namespace: String, name: String, frontends: [String: PortConfiguration]? = [:],
        backends: [String: PortConfiguration]? = [:], hostnames: [String: String]? = [:], labels: [String: String]? = [:],
        selector: [String: String]? = [:], includeExternal: Bool = true, shared: Bool = true, clusterID: UInt32
    ) {
        self.cluster = cluster
        self.namespace = namespace
        self.name = name
        self.frontends = frontends
        self.backends = backends
        self.hostnames = hostnames
        self.labels = labels
        self.selector = selector
        self.includeExternal = includeExternal
        self.shared = shared
        self.clusterID = clusterID
    }

    /// `cilium/state/services/v1/<cluster>/<namespace>/<name>`
    public var key: String { KeyPaths.service(cluster: cluster, namespace: namespace, name: name) }

    public var json: GoJSON {
        .fields([
            "cluster": .string(cluster),
            "namespace": .string(namespace),
            "name": .string(name),
            "frontends": Self.portMap(frontends),
            "backends": Self.portMap(backends),
            "hostnames": .stringMap(hostnames),
            "labels": .stringMap(labels),
            "selector": .stringMap(selector),
            "includeExternal": .bool(includeExternal),
            "shared": .bool(shared),
            "clusterID": .uint(UInt64(clusterID)),
        ])
    }

    public var jsonBytes: [UInt8] { json.encoded }

    public func jsonValue() -> String { json.text }

    private static func portMap(_ map: [String: PortConfiguration]?) -> GoJSON {
        guard let map else { return .null }
        return .map(map.mapValues { ports in .map(ports.mapValues(\.json)) })
    }
}
