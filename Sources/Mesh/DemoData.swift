/// A small, realistic mesh state for one cluster, modelled on Cilium's cluster-mesh
/// "rebel-base / x-wing" walkthrough on kind: two nodes, the `rebel-base` and `x-wing`
/// identities, three endpoint IPs (x-wing dual-stack), the global service `default/rebel-base`,
/// its EndpointSlice (1.20+ `ClusterEndpointSlice`), the cluster config, heartbeat,
/// `.has-cluster-config` and the six sync canaries.
///
/// Addressing (deterministic; `k = max(clusterID, 1) - 1`, node index `i` = 0 control-plane,
/// 1 worker):
/// * node InternalIP `172.18.<k/127>.<(k%127)*2+2+i>` and `fc00:c111::<same, hex>`,
/// * pod CIDRs `10.<id%256>.<i + 2*(id/256)>.0/24` and `fd00:10:<id hex>:<i>::/64`,
/// * identities `(id << 16) + 4879` (x-wing) and `(id << 16) + 29716` (rebel-base), inside the
///   cluster's range for `maxConnectedClusters = 255` (cluster IDs 1...255).
/// Pod names, router/health IPs, the ClusterIP and boot IDs derive from a hash of the cluster
/// name, so two clusters get different but stable values.
public enum DemoData {
    public static let namespace = "default"
    public static let serviceName = "rebel-base"
    public static let xWingIdentityOffset: UInt32 = 4879
    public static let rebelBaseIdentityOffset: UInt32 = 29716

    /// Every key/value for `clusterName`, ordered: heartbeat and config first, then state,
    /// the sync canaries last (readers waiting for canaries then find the data in place).
    public static func entries(clusterName: String, clusterID: UInt32, now: Int64) -> [(key: String, value: [UInt8])] {
        let timestamp = Array(GoTime.rfc3339(secondsSinceEpoch: now).utf8)
        var out: [(key: String, value: [UInt8])] = [
            (KeyPaths.heartbeat, timestamp),
            (KeyPaths.hasClusterConfig, Array("true".utf8)),
            (
                KeyPaths.clusterConfig(cluster: clusterName),
                ClusterConfigValue(id: clusterID, endpointSlicesExportMode: ClusterConfigValue.exportModeServicesAndEndpointSlices)
                    .jsonBytes
            ),
        ]
        for node in nodes(clusterName: clusterName, clusterID: clusterID) {
            out.append((node.key, node.jsonBytes))
        }
        for (id, labels) in identities(clusterName: clusterName, clusterID: clusterID) {
            out.append((KeyPaths.identity(id: id), labels.bytes))
        }
        for pair in ipIdentityPairs(clusterName: clusterName, clusterID: clusterID) {
            out.append((pair.keyPath, pair.jsonBytes))
        }
        let service = self.service(clusterName: clusterName, clusterID: clusterID)
        out.append((service.key, service.jsonBytes))
        let slice = endpointSlice(clusterName: clusterName, clusterID: clusterID)
        out.append((slice.key, (try? slice.encoded()) ?? []))
        for canary in KeyPaths.syncedCanariesV2(cluster: clusterName) {
            out.append((canary, timestamp))
        }
        return out
    }

    /// `cilium/.heartbeat` value: RFC 3339 UTC time.
    public static func heartbeatValue(now: Int64) -> [UInt8] {
        Array(GoTime.rfc3339(secondsSinceEpoch: now).utf8)
    }

    // MARK: - Model

    /// `<cluster>-control-plane` and `<cluster>-worker`.
    public static func nodes(clusterName: String, clusterID: UInt32) -> [CiliumNodeValue] {
        let names = ["\(clusterName)-control-plane", "\(clusterName)-worker"]
        return names.enumerated().map { i, name in
            let seed = hash("\(clusterName)/\(name)")
            var labels = [
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
            ]
            if i == 0 {
                labels["node-role.kubernetes.io/control-plane"] = ""
                labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
            }
            return CiliumNodeValue(
                name: name,
                cluster: clusterName,
                ipAddresses: [
                    .init(type: "InternalIP", ip: nodeIPv4(clusterID, i)),
                    .init(type: "InternalIP", ip: nodeIPv6(clusterID, i)),
                    // Router and health addresses stay clear of the pod range (hosts 10...249, ::xx5a).
                    .init(type: "CiliumInternalIP", ip: podIPv4(clusterID, i, host: 2 + Int(seed % 4))),
                    .init(type: "CiliumInternalIP", ip: podIPv6(clusterID, i, host: UInt16(truncatingIfNeeded: seed >> 8) & 0xFFF0 | 1)),
                ],
                ipv4AllocCIDR: GoCIDR(ip: podIPv4(clusterID, i, host: 0), prefixLength: 24),
                ipv6AllocCIDR: GoCIDR(ip: podIPv6(clusterID, i, host: 0), prefixLength: 64),
                ipv4HealthIP: podIPv4(clusterID, i, host: 6 + Int(seed >> 24 % 4)),
                ipv6HealthIP: podIPv6(clusterID, i, host: UInt16(truncatingIfNeeded: seed >> 32) & 0xFFF0 | 2),
                clusterID: clusterID,
                labels: labels,
                bootID: uuid(hash("boot/\(clusterName)/\(name)"))
            )
        }
    }

    /// Identity ID → security labels for `x-wing` and `rebel-base`.
    public static func identities(clusterName: String, clusterID: UInt32) -> [(id: UInt32, labels: IdentityLabels)] {
        let base = (clusterID & 0xFF) << 16
        return [
            (base + xWingIdentityOffset, podLabels(clusterName: clusterName, app: "x-wing")),
            (base + rebelBaseIdentityOffset, podLabels(clusterName: clusterName, app: "rebel-base")),
        ]
    }

    /// Endpoint IPs: two `rebel-base` pods (IPv4) and one dual-stack `x-wing` pod, on the worker.
    public static func ipIdentityPairs(clusterName: String, clusterID: UInt32) -> [IPIdentityPairValue] {
        let ids = identities(clusterName: clusterName, clusterID: clusterID)
        let host = nodeIPv4(clusterID, 1)
        let pods = pods(clusterName: clusterName)
        var out: [IPIdentityPairValue] = []
        for (index, pod) in pods.enumerated() {
            let id = pod.app == "x-wing" ? ids[0].id : ids[1].id
            out.append(
                IPIdentityPairValue(
                    ip: podIPv4(clusterID, 1, host: pod.host), hostIP: host, id: id,
                    k8sNamespace: namespace, k8sPodName: pod.name, k8sServiceAccount: "default"))
            if index == 0 {
                out.append(
                    IPIdentityPairValue(
                        ip: podIPv6(clusterID, 1, host: UInt16(pod.host) << 8 | 0x5a), hostIP: host, id: id,
                        k8sNamespace: namespace, k8sPodName: pod.name, k8sServiceAccount: "default"))
            }
        }
        return out
    }

    /// The global service `default/rebel-base`: ClusterIP, unnamed TCP port 80.
    public static func service(clusterName: String, clusterID: UInt32) -> ClusterServiceValue {
        let seed = hash("\(clusterName)/svc/rebel-base")
        let clusterIP = "10.96.\(seed % 256).\(1 + (seed >> 8) % 254)"
        let port: ClusterServiceValue.PortConfiguration = ["": .init(protocol: "TCP", port: 80)]
        var backends: [String: ClusterServiceValue.PortConfiguration] = [:]
        for pod in pods(clusterName: clusterName) where pod.app == "rebel-base" {
            backends[podIPv4(clusterID, 1, host: pod.host).description] = port
        }
        return ClusterServiceValue(
            cluster: clusterName, namespace: namespace, name: serviceName,
            frontends: [clusterIP: port], backends: backends, hostnames: [:], labels: [:],
            selector: ["name": "rebel-base"], clusterID: clusterID)
    }

    /// The service's EndpointSlice as exported (1.20+): both rebel-base pods, ready, on the worker.
    public static func endpointSlice(clusterName: String, clusterID: UInt32) -> ClusterEndpointSliceValue {
        let endpoints = pods(clusterName: clusterName).filter { $0.app == "rebel-base" }.map { pod in
            ClusterEndpointSliceValue.Endpoint(
                addresses: [podIPv4(clusterID, 1, host: pod.host).description],
                conditions: .init(ready: true, serving: true, terminating: false), nodeName: "\(clusterName)-worker")
        }
        return ClusterEndpointSliceValue(
            cluster: clusterName, clusterID: clusterID, namespace: namespace,
            name: "rebel-base-\(suffix(hash("\(clusterName)/rebel-base/slice"), length: 5))",
            labels: [
                "kubernetes.io/service-name": serviceName,
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            ],
            addressType: "IPv4", endpoints: endpoints, ports: [.init(name: "", protocol: "TCP", port: 80)])
    }

    // MARK: - Helpers

    private static func podLabels(clusterName: String, app: String) -> IdentityLabels {
        IdentityLabels([
            CiliumLabel(source: "k8s", key: "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", value: namespace),
            CiliumLabel(source: "k8s", key: "io.cilium.k8s.policy.cluster", value: clusterName),
            CiliumLabel(source: "k8s", key: "io.cilium.k8s.policy.serviceaccount", value: "default"),
            CiliumLabel(source: "k8s", key: "io.kubernetes.pod.namespace", value: namespace),
            CiliumLabel(source: "k8s", key: "name", value: app),
        ])
    }

    private struct Pod {
        var name: String
        var app: String
        var host: Int
    }

    /// x-wing first (it is the dual-stack one), then the two rebel-base replicas.
    private static func pods(clusterName: String) -> [Pod] {
        let seed = hash("\(clusterName)/pods")
        let hosts = [10 + Int(seed % 40), 60 + Int(seed >> 8 % 60), 130 + Int(seed >> 16 % 120)]
        let xWingRS = suffix(hash("\(clusterName)/x-wing"), length: 10)
        let rebelRS = suffix(hash("\(clusterName)/rebel-base"), length: 10)
        return [
            Pod(name: "x-wing-\(xWingRS)-\(suffix(seed, length: 5))", app: "x-wing", host: hosts[0]),
            Pod(name: "rebel-base-\(rebelRS)-\(suffix(seed >> 20, length: 5))", app: "rebel-base", host: hosts[1]),
            Pod(name: "rebel-base-\(rebelRS)-\(suffix(seed >> 40, length: 5))", app: "rebel-base", host: hosts[2]),
        ]
    }

    private static func nodeOffset(_ clusterID: UInt32, _ i: Int) -> (Int, Int) {
        let k = Int(max(clusterID, 1)) - 1
        return ((k / 127) & 0xFF, (k % 127) * 2 + 2 + i)
    }

    private static func nodeIPv4(_ clusterID: UInt32, _ i: Int) -> GoIP? {
        let (third, fourth) = nodeOffset(clusterID, i)
        return GoIP(bytes: [172, 18, UInt8(third), UInt8(fourth)])
    }

    private static func nodeIPv6(_ clusterID: UInt32, _ i: Int) -> GoIP? {
        let (third, fourth) = nodeOffset(clusterID, i)
        return GoIP(bytes: [0xfc, 0x00, 0xc1, 0x11] + [UInt8](repeating: 0, count: 10) + [UInt8(third), UInt8(fourth)])
    }

    private static func podIPv4(_ clusterID: UInt32, _ i: Int, host: Int) -> GoIP {
        let second = UInt8(clusterID & 0xFF)
        let third = UInt8(truncatingIfNeeded: i + 2 * Int(clusterID >> 8))
        return GoIP(bytes: [10, second, third, UInt8(truncatingIfNeeded: host)])!
    }

    private static func podIPv6(_ clusterID: UInt32, _ i: Int, host: UInt16) -> GoIP {
        let id = UInt16(truncatingIfNeeded: clusterID)
        let bytes: [UInt8] = [0xfd, 0x00, 0x00, 0x10, UInt8(id >> 8), UInt8(id & 0xFF), 0, UInt8(i)]
            + [UInt8](repeating: 0, count: 6) + [UInt8(host >> 8), UInt8(host & 0xFF)]
        return GoIP(bytes: bytes)!
    }

    /// FNV-1a 64.
    private static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// Kubernetes `rand.SafeEncodeString` alphabet.
    private static func suffix(_ seed: UInt64, length: Int) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var value = seed
        var out = ""
        for _ in 0..<length {
            out.append(alphabet[Int(value % UInt64(alphabet.count))])
            value = value / UInt64(alphabet.count) ^ (value << 7)
        }
        return out
    }

    private static func uuid(_ seed: UInt64) -> String {
        let second = seed &* 0x9E37_79B9_7F4A_7C15
        let hex = String(seed, radix: 16).leftPadded(16) + String(second, radix: 16).leftPadded(16)
        let chars = Array(hex)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-4" + String(chars[13..<16]) + "-a"
            + String(chars[17..<20]) + "-" + String(chars[20..<32])
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
