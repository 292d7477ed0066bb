/// `ClusterService` (`pkg/clustermesh/store/store.go`, 1.19+) at
/// `cilium/state/services/v1/<cluster>/<namespace>/<name>` (reference/cilium-clustermesh.md §1.3,
/// cilium-1.19-plus.md §D): `hostnames,omitempty` and `zones,omitempty` (1.19+) are left out when
/// empty. 1.16–1.18 readers unmarshal into a `NewClusterService` with empty maps, so a missing
/// `hostnames` reads as `{}`, and `zones` is an unknown field they skip.
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

    /// `BackendZone`: `{"zone":"zone1","forZones":[{"name":"zone1"}]}` (`forZones` is `[]` without hints).
    public struct BackendZone: Sendable, Equatable {
        public var zone: String
        public var forZones: [String]

        public init(zone: String, forZones: [String] = []) {
            self.zone = zone
            self.forZones = forZones
        }

        var json: GoJSON {
            .fields(["zone": .string(zone), "forZones": .array(forZones.map { .fields(["name": .string($0)]) })])
        }
    }

    public var cluster: String
    public var namespace: String
    public var name: String
    /// Frontend IP text → ports; nil → `null`.
    public var frontends: [String: PortConfiguration]?
    /// Backend IP text → ports; nil → `null`.
    public var backends: [String: PortConfiguration]?
    /// Backend IP text → hostname (1.16+); omitted when empty (1.19+).
    public var hostnames: [String: String]?
    /// Backend IP text → zone and hints, for backends with a zone (1.19+); omitted when empty.
    public var zones: [String: BackendZone]?
    public var labels: [String: String]?
    public var selector: [String: String]?
    public var includeExternal: Bool
    public var shared: Bool
    public var clusterID: UInt32

    public init(
        cluster: String, namespace: String, name: String, frontends: [String: PortConfiguration]? = [:],
        backends: [String: PortConfiguration]? = [:], hostnames: [String: String]? = [:],
        zones: [String: BackendZone]? = [:], labels: [String: String]? = [:],
        selector: [String: String]? = [:], includeExternal: Bool = true, shared: Bool = true, clusterID: UInt32
    ) {
        self.cluster = cluster
        self.namespace = namespace
        self.name = name
        self.frontends = frontends
        self.backends = backends
        self.hostnames = hostnames
        self.zones = zones
        self.labels = labels
        self.selector = selector
        self.includeExternal = includeExternal
        self.shared = shared
        self.clusterID = clusterID
    }

    /// `cilium/state/services/v1/<cluster>/<namespace>/<name>`
    public var key: String { KeyPaths.service(cluster: cluster, namespace: namespace, name: name) }

    public var json: GoJSON {
        var fields: [GoJSONField] = [
            GoJSONField("cluster", .string(cluster)),
            GoJSONField("namespace", .string(namespace)),
            GoJSONField("name", .string(name)),
            GoJSONField("frontends", Self.portMap(frontends)),
            GoJSONField("backends", Self.portMap(backends)),
        ]
        if let hostnames, !hostnames.isEmpty { fields.append(GoJSONField("hostnames", .stringMap(hostnames))) }
        if let zones, !zones.isEmpty { fields.append(GoJSONField("zones", .map(zones.mapValues(\.json)))) }
        fields += [
            GoJSONField("labels", .stringMap(labels)),
            GoJSONField("selector", .stringMap(selector)),
            GoJSONField("includeExternal", .bool(includeExternal)),
            GoJSONField("shared", .bool(shared)),
            GoJSONField("clusterID", .uint(UInt64(clusterID))),
        ]
        return .object(fields)
    }

    public var jsonBytes: [UInt8] { json.encoded }

    public func jsonValue() -> String { json.text }

    private static func portMap(_ map: [String: PortConfiguration]?) -> GoJSON {
        guard let map else { return .null }
        return .map(map.mapValues { ports in .map(ports.mapValues(\.json)) })
    }
}
