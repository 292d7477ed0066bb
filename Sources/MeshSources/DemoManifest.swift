import Mesh

/// The bundled demo as Kubernetes objects: Cilium's cluster-mesh "rebel-base / x-wing"
/// walkthrough on kind for one cluster — the nodes `<C>-control-plane` and `<C>-worker`, the
/// `x-wing` (dual-stack) and two `rebel-base` pods as CiliumEndpoints with their
/// CiliumIdentities, the global Service `default/rebel-base` with its EndpointSlice, and the
/// Namespace `default` (un-annotated: global by default).
///
/// Names and addresses follow `Mesh.DemoData`'s scheme (same FNV-1a derivations of the cluster
/// name, same address plan), so the mirror publishes exactly the state keys and values
/// `DemoData.entries` lists; `DemoSourceTests` checks that. The text is a YAML literal filled in
/// per cluster, parsed by the same `KubeManifestParser` path as a user's file.
public enum DemoManifest {
    public static func yaml(clusterName c: String, clusterID id: UInt32) -> String {
        let controlPlane = node(c, id, index: 0)
        let worker = node(c, id, index: 1)
        let base = (id & 0xFF) << 16
        let xWingID = base + DemoData.xWingIdentityOffset
        let rebelBaseID = base + DemoData.rebelBaseIdentityOffset
        let pods = pods(c)
        let workerIP = nodeIPv4(id, 1)
        let serviceSeed = hash("\(c)/svc/rebel-base")
        let clusterIP = "10.96.\(serviceSeed % 256).\(1 + (serviceSeed >> 8) % 254)"
        let sliceName = "rebel-base-\(suffix(hash("\(c)/rebel-base/slice"), length: 5))"
        return """
            # Cilium cluster-mesh demo (rebel-base / x-wing) for cluster \(c) (ID \(id)).
            apiVersion: v1
            kind: Namespace
            metadata:
              name: default
              labels:
                kubernetes.io/metadata.name: default
            ---
            \(controlPlane)
            \(worker)
            ---
            apiVersion: cilium.io/v2
            kind: CiliumIdentity
            metadata:
              name: "\(xWingID)"
              labels:
                app.kubernetes.io/managed-by: cilium-agent
            security-labels:
            \(securityLabels(c, app: "x-wing"))
            ---
            apiVersion: cilium.io/v2
            kind: CiliumIdentity
            metadata:
              name: "\(rebelBaseID)"
              labels:
                app.kubernetes.io/managed-by: cilium-agent
            security-labels:
            \(securityLabels(c, app: "rebel-base"))
            ---
            apiVersion: cilium.io/v2
            kind: CiliumEndpoint
            metadata:
              name: \(pods[0].name)
              namespace: default
              labels:
                name: x-wing
            status:
              id: 1211
              identity:
                id: \(xWingID)
              networking:
                addressing:
                - ipv4: \(podIPv4(id, 1, host: pods[0].host))
                  ipv6: \(podIPv6(id, 1, host: UInt16(pods[0].host) << 8 | 0x5a))
                node: \(workerIP)
              service-account: default
              state: ready
            ---
            apiVersion: cilium.io/v2
            kind: CiliumEndpoint
            metadata:
              name: \(pods[1].name)
              namespace: default
              labels:
                name: rebel-base
            status:
              id: 2893
              identity:
                id: \(rebelBaseID)
              networking:
                addressing:
                - ipv4: \(podIPv4(id, 1, host: pods[1].host))
                node: \(workerIP)
              service-account: default
              state: ready
            ---
            apiVersion: cilium.io/v2
            kind: CiliumEndpoint
            metadata:
              name: \(pods[2].name)
              namespace: default
              labels:
                name: rebel-base
            status:
              id: 388
              identity:
                id: \(rebelBaseID)
              networking:
                addressing:
                - ipv4: \(podIPv4(id, 1, host: pods[2].host))
                node: \(workerIP)
              service-account: default
              state: ready
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: rebel-base
              namespace: default
              annotations:
                service.cilium.io/global: "true"
            spec:
              type: ClusterIP
              clusterIP: \(clusterIP)
              clusterIPs:
              - \(clusterIP)
              ipFamilies:
              - IPv4
              selector:
                name: rebel-base
              ports:
              - port: 80
                protocol: TCP
                targetPort: 80
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: \(sliceName)
              namespace: default
              labels:
                kubernetes.io/service-name: rebel-base
                endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
            addressType: IPv4
            endpoints:
            - addresses:
              - \(podIPv4(id, 1, host: pods[1].host))
              conditions: {ready: true, serving: true, terminating: false}
              nodeName: \(c)-worker
              targetRef: {kind: Pod, name: \(pods[1].name), namespace: default}
            - addresses:
              - \(podIPv4(id, 1, host: pods[2].host))
              conditions: {ready: true, serving: true, terminating: false}
              nodeName: \(c)-worker
              targetRef: {kind: Pod, name: \(pods[2].name), namespace: default}
            ports:
            - name: ""
              port: 80
              protocol: TCP

            """
    }

    // MARK: - Objects

    private static func node(_ c: String, _ id: UInt32, index i: Int) -> String {
        let name = i == 0 ? "\(c)-control-plane" : "\(c)-worker"
        let seed = hash("\(c)/\(name)")
        let roleLabels =
            i == 0
            ? """

                node-role.kubernetes.io/control-plane: ""
                node.kubernetes.io/exclude-from-external-load-balancers: ""
            """ : ""
        return """
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNode
            metadata:
              name: \(name)
              labels:
                beta.kubernetes.io/arch: amd64
                beta.kubernetes.io/os: linux
                kubernetes.io/arch: amd64
                kubernetes.io/hostname: \(name)
                kubernetes.io/os: linux\(roleLabels)
            spec:
              addresses:
              - type: InternalIP
                ip: \(nodeIPv4(id, i))
              - type: InternalIP
                ip: \(nodeIPv6(id, i))
              - type: CiliumInternalIP
                ip: \(podIPv4(id, i, host: 2 + Int(seed % 4)))
              - type: CiliumInternalIP
                ip: \(podIPv6(id, i, host: UInt16(truncatingIfNeeded: seed >> 8) & 0xFFF0 | 1))
              bootid: \(uuid(hash("boot/\(c)/\(name)")))
              health:
                ipv4: \(podIPv4(id, i, host: 6 + Int(seed >> 24 % 4)))
                ipv6: \(podIPv6(id, i, host: UInt16(truncatingIfNeeded: seed >> 32) & 0xFFF0 | 2))
              ipam:
                podCIDRs:
                - \(podIPv4(id, i, host: 0))/24
                - \(podIPv6(id, i, host: 0))/64
            """
    }

    private static func securityLabels(_ c: String, app: String) -> String {
        """
          k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name: default
          k8s:io.cilium.k8s.policy.cluster: \(c)
          k8s:io.cilium.k8s.policy.serviceaccount: default
          k8s:io.kubernetes.pod.namespace: default
          k8s:name: \(app)
        """
    }

    // MARK: - Address plan (as DemoData)

    private struct Pod {
        var name: String
        var host: Int
    }

    /// x-wing first (dual-stack), then the two rebel-base replicas.
    private static func pods(_ c: String) -> [Pod] {
        let seed = hash("\(c)/pods")
        let hosts = [10 + Int(seed % 40), 60 + Int(seed >> 8 % 60), 130 + Int(seed >> 16 % 120)]
        let xWingRS = suffix(hash("\(c)/x-wing"), length: 10)
        let rebelRS = suffix(hash("\(c)/rebel-base"), length: 10)
        return [
            Pod(name: "x-wing-\(xWingRS)-\(suffix(seed, length: 5))", host: hosts[0]),
            Pod(name: "rebel-base-\(rebelRS)-\(suffix(seed >> 20, length: 5))", host: hosts[1]),
            Pod(name: "rebel-base-\(rebelRS)-\(suffix(seed >> 40, length: 5))", host: hosts[2]),
        ]
    }

    private static func nodeOffset(_ id: UInt32, _ i: Int) -> (UInt8, UInt8) {
        let k = Int(max(id, 1)) - 1
        return (UInt8((k / 127) & 0xFF), UInt8((k % 127) * 2 + 2 + i))
    }

    private static func nodeIPv4(_ id: UInt32, _ i: Int) -> String {
        let (third, fourth) = nodeOffset(id, i)
        return text([172, 18, third, fourth])
    }

    private static func nodeIPv6(_ id: UInt32, _ i: Int) -> String {
        let (third, fourth) = nodeOffset(id, i)
        return text([0xfc, 0x00, 0xc1, 0x11] + [UInt8](repeating: 0, count: 10) + [third, fourth])
    }

    private static func podIPv4(_ id: UInt32, _ i: Int, host: Int) -> String {
        text([10, UInt8(id & 0xFF), UInt8(truncatingIfNeeded: i + 2 * Int(id >> 8)), UInt8(truncatingIfNeeded: host)])
    }

    private static func podIPv6(_ id: UInt32, _ i: Int, host: UInt16) -> String {
        let cluster = UInt16(truncatingIfNeeded: id)
        return text(
            [0xfd, 0x00, 0x00, 0x10, UInt8(cluster >> 8), UInt8(cluster & 0xFF), 0, UInt8(i)]
                + [UInt8](repeating: 0, count: 6) + [UInt8(host >> 8), UInt8(host & 0xFF)])
    }

    private static func text(_ bytes: [UInt8]) -> String { GoIP(bytes: bytes)?.description ?? "" }

    /// FNV-1a 64.
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// Kubernetes `rand.SafeEncodeString` alphabet.
    static func suffix(_ seed: UInt64, length: Int) -> String {
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
        func hex(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, 16 - s.count)) + s
        }
        let chars = Array(hex(seed) + hex(second))
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-4" + String(chars[13..<16]) + "-a"
            + String(chars[17..<20]) + "-" + String(chars[20..<32])
    }
}
