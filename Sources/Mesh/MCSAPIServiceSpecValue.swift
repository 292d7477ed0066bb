/// `MCSAPIServiceSpec` (newest upstream `pkg/clustermesh/mcsapi/types/mcsapiservicespec.go`, MCS-API
/// v1beta1) at `cilium/state/serviceexports/v1/<cluster>/<namespace>/<name>`
/// (reference/cilium-clustermesh.md §1.9, cilium-1.19-plus.md §D).
///
/// Field order and tags: `cluster`, `name`, `namespace`, `annotations,omitempty`,
/// `labels,omitempty` (the ServiceExport's `exportedAnnotations`/`exportedLabels`),
/// `exportCreationTimestamp` (`metav1.Time`: RFC 3339 UTC, zero → `null`), `ports` (never
/// `null`), `type`, `sessionAffinity`, `sessionAffinityConfig,omitempty`, `ipFamilies,omitempty`,
/// `internalTrafficPolicy,omitempty`, `trafficDistribution,omitempty`. Older readers (1.17/1.18,
/// untagged `Annotations`/`Labels`) match the lowercase keys case-insensitively, as Go's JSON
/// decoder does, and skip the newer fields.
public struct MCSAPIServiceSpecValue: Sendable, Equatable {
    /// MCS-API `ServicePort`: `name,omitempty`, `protocol,omitempty`, `appProtocol,omitempty`, `port`.
    public struct Port: Sendable, Equatable {
        public var name: String
        public var `protocol`: String
        public var appProtocol: String?
        public var port: Int32

        public init(name: String = "", protocol: String = "TCP", appProtocol: String? = nil, port: Int32) {
            self.name = name
            self.protocol = `protocol`
            self.appProtocol = appProtocol
            self.port = port
        }

        var json: GoJSON {
            var fields: [GoJSONField] = []
            if !name.isEmpty { fields.append(GoJSONField("name", .string(name))) }
            if !`protocol`.isEmpty { fields.append(GoJSONField("protocol", .string(`protocol`))) }
            if let appProtocol { fields.append(GoJSONField("appProtocol", .string(appProtocol))) }
            fields.append(GoJSONField("port", .int(Int64(port))))
            return .object(fields)
        }
    }

    public static let typeClusterSetIP = "ClusterSetIP"
    public static let typeHeadless = "Headless"

    public var cluster: String
    public var name: String
    public var namespace: String
    public var annotations: [String: String]?
    public var labels: [String: String]?
    /// Seconds since the epoch; nil encodes `null` (zero `metav1.Time`).
    public var exportCreationTimestamp: Int64?
    public var ports: [Port]
    public var type: String
    public var sessionAffinity: String
    /// `sessionAffinityConfig.clientIP.timeoutSeconds`; nil omits the field.
    public var sessionAffinityTimeoutSeconds: Int32?
    /// The service's `spec.ipFamilies`; empty omits the field.
    public var ipFamilies: [String]
    public var internalTrafficPolicy: String?
    public var trafficDistribution: String?

    public init(
        cluster: String, name: String, namespace: String, annotations: [String: String]? = nil,
        labels: [String: String]? = nil, exportCreationTimestamp: Int64?, ports: [Port], type: String,
        sessionAffinity: String, sessionAffinityTimeoutSeconds: Int32? = nil, ipFamilies: [String] = [],
        internalTrafficPolicy: String? = nil, trafficDistribution: String? = nil
    ) {
        self.ipFamilies = ipFamilies
        self.internalTrafficPolicy = internalTrafficPolicy
        self.trafficDistribution = trafficDistribution
        self.cluster = cluster
        self.name = name
        self.namespace = namespace
        self.annotations = annotations
        self.labels = labels
        self.exportCreationTimestamp = exportCreationTimestamp
        self.ports = ports
        self.type = type
        self.sessionAffinity = sessionAffinity
        self.sessionAffinityTimeoutSeconds = sessionAffinityTimeoutSeconds
    }

    /// `cilium/state/serviceexports/v1/<cluster>/<namespace>/<name>`
    public var key: String { KeyPaths.serviceExport(cluster: cluster, namespace: namespace, name: name) }

    public var json: GoJSON {
        var fields: [GoJSONField] = [
            GoJSONField("cluster", .string(cluster)),
            GoJSONField("name", .string(name)),
            GoJSONField("namespace", .string(namespace)),
        ]
        if let annotations, !annotations.isEmpty { fields.append(GoJSONField("annotations", .stringMap(annotations))) }
        if let labels, !labels.isEmpty { fields.append(GoJSONField("labels", .stringMap(labels))) }
        fields += [
            GoJSONField(
                "exportCreationTimestamp",
                exportCreationTimestamp.map { .string(GoTime.rfc3339(secondsSinceEpoch: $0)) } ?? .null),
            GoJSONField("ports", .array(ports.map(\.json))),
            GoJSONField("type", .string(type)),
            GoJSONField("sessionAffinity", .string(sessionAffinity)),
        ]
        if let timeout = sessionAffinityTimeoutSeconds {
            fields.append(
                GoJSONField("sessionAffinityConfig", .fields(["clientIP": .fields(["timeoutSeconds": .int(Int64(timeout))])])))
        }
        if !ipFamilies.isEmpty { fields.append(GoJSONField("ipFamilies", .array(ipFamilies.map { .string($0) }))) }
        if let internalTrafficPolicy { fields.append(GoJSONField("internalTrafficPolicy", .string(internalTrafficPolicy))) }
        if let trafficDistribution { fields.append(GoJSONField("trafficDistribution", .string(trafficDistribution))) }
        return .object(fields)
    }

    public var jsonBytes: [UInt8] { json.encoded }

    public func jsonValue() -> String { json.text }
}
