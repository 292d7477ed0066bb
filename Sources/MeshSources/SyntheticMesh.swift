import Mesh

/// The objects of a synthetic mesh (pure and deterministic: the same parameters, seed and
/// cluster give the same objects).
///
/// Address plan (node index `n`, `m = n + 1`, endpoint index `e`, slot `e / nodes`):
/// * node `<C>-node-<n>`: InternalIP `172.(16 + m>>16).(m>>8).(m&255)` and
///   `fc00:c111:<clusterID>::<m>`, pod CIDRs `10.(128 + n>>8).(n&255).0/24` and
///   `fd00:10:<clusterID>:<n>::/64`, router `.1`, health `.254`;
/// * endpoint `e` lives on node `e % nodes`, host `10 + slot` (`130 + slot` after an IP move),
///   IPv6 for `ipv6Percent` of them; its identity is drawn from the seed, its namespace is its
///   first identity's namespace (identity changes keep the namespace);
/// * identities `lowerBound(cluster range) + 256 + j`, labels of a pod in `ns-<j % 50>` with
///   app `app-<j>`, service account, the cluster label and, for some, version/part-of labels;
/// * namespaces `ns-0` … `ns-<min(50, identities) - 1>`, the first `nonglobal` percent annotated
///   `clustermesh.cilium.io/global: "false"`;
/// * service `ns-<s % 50>/svc-<s>`, global, ClusterIP `10.96.(s>>8).(s&255)`, port 80/TCP
///   `http`, one EndpointSlice whose backends are the first 100 endpoints with `e % services == s`.
public struct SyntheticMesh: Sendable {
    public let parameters: SyntheticMeshParameters
    public let cluster: MeshClusterInfo
    public let namespaces: Int
    public let identityBase: UInt32
    public static let backendsPerService = 100

    /// Per-endpoint state that churn changes.
    public struct EndpointState: Sendable, Equatable {
        /// Index of the endpoint's identity.
        public var identity: Int
        /// The IP moved to the node's alternate host range.
        public var moved: Bool
        public var present: Bool
    }

    public init(parameters: SyntheticMeshParameters, cluster: MeshClusterInfo) throws(MeshSourceError) {
        try parameters.validate(spec: "synthetic")
        guard let range = KeyPaths.identityRange(clusterID: cluster.id, maxConnectedClusters: cluster.maxConnectedClusters),
            Int(range.upperBound - range.lowerBound) >= 256 + parameters.identities
        else {
            throw .startFailed(
                source: "synthetic",
                reason: "\(parameters.identities) identities do not fit the identity range of cluster ID \(cluster.id)")
        }
        self.parameters = parameters
        self.cluster = cluster
        self.namespaces = min(50, parameters.identities)
        self.identityBase = range.lowerBound + 256
    }

    // MARK: - Nodes

    public func nodeName(_ n: Int) -> String { "\(cluster.name)-node-\(n)" }

    public func node(_ n: Int) -> CiliumNode {
        let m = n + 1
        let name = nodeName(n)
        let v4 = "10.\(128 + (n >> 8)).\(n & 0xFF)"
        let address = "172.\(16 + (m >> 16)).\((m >> 8) & 0xFF).\(m & 0xFF)"
        let labels = [
            "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
            "topology.kubernetes.io/zone": "zone-\(n % 3)", "node.kubernetes.io/instance-type": "m5.xlarge",
        ]
        let spec = CiliumNode.Spec(
            addresses: [
                .init(type: "InternalIP", ip: address),
                .init(type: "InternalIP", ip: ipv6([0xfc, 0x00, 0xc1, 0x11], cluster.id, UInt16(truncatingIfNeeded: m >> 16), UInt16(m & 0xFFFF))),
                .init(type: "CiliumInternalIP", ip: "\(v4).1"),
            ],
            health: .init(ipv4: "\(v4).254"),
            ipam: .init(podCIDRs: ["\(v4).0/24", podIPv6(n, host: 0) + "/64"]),
            bootid: uuid(SplitMix64.mix(parameters.seed ^ UInt64(n) &* 0x100_0000_01B3)))
        return CiliumNode(metadata: KubeObjectMeta(name: name, labels: labels), spec: spec)
    }

    // MARK: - Namespaces

    /// Namespace `ns-<j>` is not global when `j` falls in the first `nonGlobalPercent` percent.
    public func isGlobal(namespace j: Int) -> Bool { j * 100 >= namespaces * parameters.nonGlobalPercent }

    public func namespaceObject(_ j: Int) -> KubeNamespace {
        KubeNamespace(
            metadata: KubeObjectMeta(
                name: "ns-\(j)", labels: ["kubernetes.io/metadata.name": "ns-\(j)"],
                annotations: isGlobal(namespace: j) ? nil : [KubeNamespace.globalAnnotation: "false"]))
    }

    // MARK: - Identities

    public func identityID(_ j: Int) -> UInt32 { identityBase + UInt32(j) }

    public func namespace(ofIdentity j: Int) -> String { "ns-\(j % namespaces)" }

    public func identity(_ j: Int) -> CiliumIdentity {
        let namespace = namespace(ofIdentity: j)
        var labels = [
            "k8s:app": "app-\(j)",
            "k8s:io.kubernetes.pod.namespace": namespace,
            "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name": namespace,
            "k8s:io.cilium.k8s.policy.serviceaccount": "sa-\(j % 7)",
            "k8s:io.cilium.k8s.policy.cluster": cluster.name,
        ]
        if j % 3 == 0 { labels["k8s:version"] = "v\(j % 4)" }
        if j % 5 == 0 { labels["k8s:app.kubernetes.io/part-of"] = "system-\(j % 11)" }
        return CiliumIdentity(
            metadata: KubeObjectMeta(name: String(identityID(j)), labels: ["io.cilium.k8s.policy.cluster": cluster.name]),
            securityLabels: labels)
    }

    // MARK: - Endpoints

    public func initialState(endpoint e: Int) -> EndpointState {
        let identity = Int(SplitMix64.mix(parameters.seed &+ UInt64(e) &* 0x9E37_79B9) % UInt64(parameters.identities))
        return EndpointState(identity: identity, moved: false, present: true)
    }

    /// `namespace/name` of endpoint `e` (fixed for its lifetime).
    public func endpointKey(_ e: Int) -> (namespace: String, name: String) {
        let first = initialState(endpoint: e).identity
        let h = SplitMix64.mix(parameters.seed ^ (UInt64(e) << 20) ^ 0x5EED)
        return (namespace(ofIdentity: first), "app-\(first)-\(DemoManifest.suffix(h, length: 10))-\(DemoManifest.suffix(h >> 32, length: 5))")
    }

    /// A different identity in the same namespace as `current` (itself when it has no sibling).
    public func otherIdentity(than current: Int, random: UInt64) -> Int {
        let siblings = (parameters.identities - 1 - current % namespaces) / namespaces + 1
        guard siblings > 1 else { return current }
        let pick = current % namespaces + namespaces * Int(random % UInt64(siblings))
        return pick == current ? (pick + namespaces < parameters.identities ? pick + namespaces : current % namespaces) : pick
    }

    public func endpointIPv4(_ e: Int, moved: Bool) -> String {
        let n = e % parameters.nodes
        return "10.\(128 + (n >> 8)).\(n & 0xFF).\(host(e, moved: moved))"
    }

    public func endpointIPv6(_ e: Int, moved: Bool) -> String? {
        guard parameters.hasIPv6(endpoint: e) else { return nil }
        return podIPv6(e % parameters.nodes, host: UInt16(host(e, moved: moved)))
    }

    public func endpoint(_ e: Int, state: EndpointState) -> CiliumEndpoint {
        let (namespace, name) = endpointKey(e)
        let n = e % parameters.nodes
        let m = n + 1
        let networking = EndpointNetworking(
            addressing: [.init(ipv4: endpointIPv4(e, moved: state.moved), ipv6: endpointIPv6(e, moved: state.moved))],
            node: "172.\(16 + (m >> 16)).\((m >> 8) & 0xFF).\(m & 0xFF)")
        return CiliumEndpoint(
            metadata: KubeObjectMeta(name: name, namespace: namespace),
            status: .init(identity: .init(id: Int64(identityID(state.identity))), networking: networking))
    }

    // MARK: - Services

    public func service(_ s: Int) -> KubeService {
        let name = "svc-\(s)"
        let clusterIP = "10.96.\((s >> 8) & 0xFF).\(s & 0xFF)"
        return KubeService(
            metadata: KubeObjectMeta(
                name: name, namespace: "ns-\(s % namespaces)", labels: ["app": name],
                annotations: [ServiceConverter.globalAnnotation: "true"]),
            spec: .init(
                type: "ClusterIP", clusterIP: clusterIP, clusterIPs: [clusterIP],
                ports: [.init(name: "http", protocol: "TCP", port: 80)], selector: ["app": name]))
    }

    /// The service's slice: the first `backendsPerService` endpoints `e` with `e % services == s`.
    public func endpointSlice(_ s: Int, states: (Int) -> EndpointState) -> KubeEndpointSlice {
        var endpoints: [KubeEndpointSlice.Endpoint] = []
        var e = s
        while e < parameters.endpoints && endpoints.count < Self.backendsPerService {
            let state = states(e)
            if state.present {
                endpoints.append(
                    .init(
                        addresses: [endpointIPv4(e, moved: state.moved)], conditions: .init(ready: true, serving: true, terminating: false),
                        nodeName: nodeName(e % parameters.nodes)))
            }
            e += parameters.services
        }
        let h = SplitMix64.mix(parameters.seed ^ UInt64(s) ^ 0x511CE)
        return KubeEndpointSlice(
            metadata: KubeObjectMeta(
                name: "svc-\(s)-\(DemoManifest.suffix(h, length: 5))", namespace: "ns-\(s % namespaces)",
                labels: [KubeEndpointSlice.serviceNameLabel: "svc-\(s)"]),
            addressType: "IPv4", endpoints: endpoints, ports: [.init(name: "http", protocol: "TCP", port: 80)])
    }

    // MARK: - Helpers

    private func host(_ e: Int, moved: Bool) -> Int {
        10 + e / parameters.nodes + (moved ? SyntheticMeshParameters.maxEndpointsPerNode : 0)
    }

    private func podIPv6(_ n: Int, host: UInt16) -> String {
        ipv6([0xfd, 0x00, 0x00, 0x10], cluster.id, UInt16(n), host)
    }

    /// `<prefix>:<cluster>:<third>::<host>` (eight bytes of prefix, cluster, third group).
    private func ipv6(_ prefix: [UInt8], _ clusterID: UInt32, _ third: UInt16, _ host: UInt16) -> String {
        let id = UInt16(truncatingIfNeeded: clusterID)
        var bytes = prefix + [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(third >> 8), UInt8(third & 0xFF)]
        bytes += [UInt8](repeating: 0, count: 6) + [UInt8(host >> 8), UInt8(host & 0xFF)]
        return GoIP(bytes: bytes)?.description ?? ""
    }

    private func uuid(_ seed: UInt64) -> String {
        let second = SplitMix64.mix(seed)
        func hex(_ v: UInt64, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let text = Array(hex(seed, 16) + hex(second, 16))
        return String(text[0..<8]) + "-" + String(text[8..<12]) + "-4" + String(text[13..<16]) + "-a"
            + String(text[17..<20]) + "-" + String(text[20..<32])
    }
}
