/// `cilium.io/v2 CiliumIdentity`. The security labels live in the top-level field
/// `security-labels` (label `source:key` → value), not under `spec` (reference §1.4).
public struct CiliumIdentity: Sendable, Equatable, Decodable {
    public var metadata: KubeObjectMeta
    public var securityLabels: [String: String]?

    public init(metadata: KubeObjectMeta, securityLabels: [String: String]?) {
        self.metadata = metadata
        self.securityLabels = securityLabels
    }

    enum CodingKeys: String, CodingKey {
        case metadata
        case securityLabels = "security-labels"
    }
}
