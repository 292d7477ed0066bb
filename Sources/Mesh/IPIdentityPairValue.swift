/// `identity.IPIdentityPair` at `cilium/state/ip/v1/default/<PrefixString>`
/// (reference/cilium-clustermesh.md §1.5, cilium-1.19-plus.md §D).
public struct IPIdentityPairValue: Sendable, Equatable {
    /// `identity.NamedPort`: `{"Name":..,"Port":..,"Protocol":..}`.
    public struct NamedPort: Sendable, Equatable {
        public var name: String
        public var port: UInt16
        public var `protocol`: String

        public init(name: String, port: UInt16, protocol: String) {
            self.name = name
            self.port = port
            self.protocol = `protocol`
        }
    }

    public var ip: GoIP?
    /// `net.IPMask`; nil for host entries (encodes `null`), else base64.
    public var mask: [UInt8]?
    public var hostIP: GoIP?
    public var id: UInt32
    /// Encryption key index.
    public var key: UInt8
    public var metadata: String
    public var k8sNamespace: String
    public var k8sPodName: String
    /// `K8sServiceAccount,omitempty` (1.19+, PR #41276; from CEP `status.service-account` or CES
    /// `endpoints[].service-account`). 1.16–1.18 readers ignore the unknown field.
    public var k8sServiceAccount: String
    public var namedPorts: [NamedPort]

    public init(
        ip: GoIP?, mask: [UInt8]? = nil, hostIP: GoIP?, id: UInt32, key: UInt8 = 0, metadata: String = "",
        k8sNamespace: String = "", k8sPodName: String = "", k8sServiceAccount: String = "", namedPorts: [NamedPort] = []
    ) {
        self.k8sServiceAccount = k8sServiceAccount
        self.ip = ip
        self.mask = mask
        self.hostIP = hostIP
        self.id = id
        self.key = key
        self.metadata = metadata
        self.k8sNamespace = k8sNamespace
        self.k8sPodName = k8sPodName
        self.namedPorts = namedPorts
    }

    /// Go `PrefixString()`: `IP.String()`, plus `/<ones>` when a mask is set.
    public var prefixString: String {
        let text = ip?.description ?? "<nil>"
        guard let mask else { return text }
        let ones = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        return "\(text)/\(ones)"
    }

    /// `cilium/state/ip/v1/default/<PrefixString>`
    public var keyPath: String { KeyPaths.ip(prefixString) }

    public var json: GoJSON {
        var fields: [GoJSONField] = [
            GoJSONField("IP", ipText(ip)),
            GoJSONField("Mask", mask.map { .bytes($0) } ?? .null),
            GoJSONField("HostIP", ipText(hostIP)),
            GoJSONField("ID", .uint(UInt64(id))),
            GoJSONField("Key", .uint(UInt64(key))),
            GoJSONField("Metadata", .string(metadata)),
        ]
        // `omitempty` fields.
        if !k8sNamespace.isEmpty { fields.append(GoJSONField("K8sNamespace", .string(k8sNamespace))) }
        if !k8sPodName.isEmpty { fields.append(GoJSONField("K8sPodName", .string(k8sPodName))) }
        if !k8sServiceAccount.isEmpty { fields.append(GoJSONField("K8sServiceAccount", .string(k8sServiceAccount))) }
        if !namedPorts.isEmpty {
            fields.append(
                GoJSONField(
                    "NamedPorts",
                    .array(namedPorts.map {
                        .fields(["Name": .string($0.name), "Port": .uint(UInt64($0.port)), "Protocol": .string($0.protocol)])
                    })))
        }
        return .object(fields)
    }

    public var jsonBytes: [UInt8] { json.encoded }

    public func jsonValue() -> String { json.text }
}
