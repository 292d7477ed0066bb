/// Cilium's `ClusterEndpointSlice` (1.20+, `pkg/clustermesh/types/endpointslice`) at
/// `cilium/state/endpointslices/v1/<cluster>/<namespace>/<slice>` (reference/cilium-1.19-plus.md
/// §B.2): the EndpointSlice of a shared global service, copied verbatim (labels, annotations,
/// address type, every endpoint with its conditions — not-ready ones included —, ports), stored
/// as zstd-compressed protobuf (`ClusterEndpointSlice+Codec.swift`).
///
/// Optional members mirror the Go pointers of the slim types: nil is absent on the wire, a
/// present empty string is encoded (an unnamed port is `name: ""`).
public struct ClusterEndpointSliceValue: Sendable, Equatable {
    /// `EndpointConditions` (`*bool` each).
    public struct Conditions: Sendable, Equatable {
        public var ready: Bool?
        public var serving: Bool?
        public var terminating: Bool?

        public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
            self.ready = ready
            self.serving = serving
            self.terminating = terminating
        }
    }

    /// Slim `discovery/v1.Endpoint`.
    public struct Endpoint: Sendable, Equatable {
        public var addresses: [String]
        /// A struct (not a pointer) upstream: always encoded, possibly empty.
        public var conditions: Conditions
        public var hostname: String?
        public var deprecatedTopology: [String: String]
        public var nodeName: String?
        public var zone: String?
        /// `hints.forZones[].name`; nil when the endpoint has no `hints`.
        public var forZones: [String]?

        public init(
            addresses: [String], conditions: Conditions = Conditions(), hostname: String? = nil,
            deprecatedTopology: [String: String] = [:], nodeName: String? = nil, zone: String? = nil,
            forZones: [String]? = nil
        ) {
            self.addresses = addresses
            self.conditions = conditions
            self.hostname = hostname
            self.deprecatedTopology = deprecatedTopology
            self.nodeName = nodeName
            self.zone = zone
            self.forZones = forZones
        }
    }

    /// Slim `discovery/v1.EndpointPort` (all pointers).
    public struct Port: Sendable, Equatable {
        public var name: String?
        public var `protocol`: String?
        public var port: Int32?

        public init(name: String? = nil, protocol: String? = nil, port: Int32? = nil) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
        }
    }

    public var cluster: String
    public var clusterID: UInt32
    public var namespace: String
    public var name: String
    public var labels: [String: String]
    public var annotations: [String: String]
    /// `IPv4`, `IPv6` (`FQDN` slices are never exported: readers reject them).
    public var addressType: String
    public var endpoints: [Endpoint]
    public var ports: [Port]

    public init(
        cluster: String, clusterID: UInt32, namespace: String, name: String, labels: [String: String] = [:],
        annotations: [String: String] = [:], addressType: String, endpoints: [Endpoint] = [], ports: [Port] = []
    ) {
        self.cluster = cluster
        self.clusterID = clusterID
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.annotations = annotations
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }

    /// `cilium/state/endpointslices/v1/<cluster>/<namespace>/<name>`
    public var key: String { KeyPaths.endpointSlice(cluster: cluster, namespace: namespace, name: name) }

    /// The JSON of upstream's transcoder (`kvstore/list -o json`, `internal.ClusterEndpointSlice`
    /// tags), for logs, tools and comparison with upstream's test expectations; never stored.
    public var json: GoJSON {
        var fields: [GoJSONField] = [
            GoJSONField("cluster", .string(cluster)),
            GoJSONField("clusterID", .uint(UInt64(clusterID))),
            GoJSONField("namespace", .string(namespace)),
            GoJSONField("name", .string(name)),
        ]
        if !labels.isEmpty { fields.append(GoJSONField("labels", .stringMap(labels))) }
        if !annotations.isEmpty { fields.append(GoJSONField("annotations", .stringMap(annotations))) }
        fields.append(GoJSONField("addressType", .string(addressType)))
        fields.append(GoJSONField("endpoints", endpoints.isEmpty ? .null : .array(endpoints.map(\.json))))
        fields.append(GoJSONField("ports", ports.isEmpty ? .null : .array(ports.map(\.json))))
        return .object(fields)
    }
}

extension ClusterEndpointSliceValue.Endpoint {
    var json: GoJSON {
        var conditions: [GoJSONField] = []
        if let ready = self.conditions.ready { conditions.append(GoJSONField("ready", .bool(ready))) }
        if let serving = self.conditions.serving { conditions.append(GoJSONField("serving", .bool(serving))) }
        if let terminating = self.conditions.terminating { conditions.append(GoJSONField("terminating", .bool(terminating))) }
        var fields: [GoJSONField] = [
            GoJSONField("addresses", addresses.isEmpty ? .null : .array(addresses.map { .string($0) })),
            GoJSONField("conditions", .object(conditions)),
        ]
        if let hostname { fields.append(GoJSONField("hostname", .string(hostname))) }
        if !deprecatedTopology.isEmpty { fields.append(GoJSONField("deprecatedTopology", .stringMap(deprecatedTopology))) }
        if let nodeName { fields.append(GoJSONField("nodeName", .string(nodeName))) }
        if let zone { fields.append(GoJSONField("zone", .string(zone))) }
        if let forZones {
            let zones: [GoJSONField] = forZones.isEmpty
                ? [] : [GoJSONField("forZones", .array(forZones.map { .fields(["name": .string($0)]) }))]
            fields.append(GoJSONField("hints", .object(zones)))
        }
        return .object(fields)
    }
}

extension ClusterEndpointSliceValue.Port {
    var json: GoJSON {
        var fields: [GoJSONField] = []
        if let name { fields.append(GoJSONField("name", .string(name))) }
        if let `protocol` { fields.append(GoJSONField("protocol", .string(`protocol`))) }
        if let port { fields.append(GoJSONField("port", .int(Int64(port)))) }
        return .object(fields)
    }
}
