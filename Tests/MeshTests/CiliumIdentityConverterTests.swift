import Testing

@testable import Mesh

@Suite struct CiliumIdentityConverterTests {
    @Test func referenceIdentity() {
        // reference §1.4 (ciliumidentitites.txtar).
        guard case .ciliumIdentity(let identity) = MeshFixtures.object(MeshFixtures.identity196915) else { return }
        let out = CiliumIdentityConverter.convert(identity, cluster: MeshFixtures.cluster3)
        #expect(
            MeshFixtures.lines(out) == [
                "cilium/state/identities/v1/id/196915 = k8s:app=baz;k8s:io.cilium.k8s.policy.cluster=cluster3;k8s:io.kubernetes.pod.namespace=bar;"
            ])
    }

    private func identity(_ name: String, _ labels: [String: String]?) -> CiliumIdentity {
        CiliumIdentity(metadata: KubeObjectMeta(name: name), securityLabels: labels)
    }

    @Test func sourcesAndSorting() {
        let labels = ["k8s:zeta": "1", "$host": "", "reserved:world": "", "plain": "v", "cidr:x": "", "k8s:a.b": "c"]
        let out = CiliumIdentityConverter.convert(identity("196609", labels), cluster: MeshFixtures.cluster3)
        // Sorted by key without source; `$host` → reserved:host; no source → unspec.
        #expect(out.entries.first?.valueText == "k8s:a.b=c;reserved:host=;unspec:plain=v;reserved:world=;cidr:x=;k8s:zeta=1;")
    }

    @Test func rangeChecks() {
        let labels = ["k8s:app": "a"]
        let c3 = MeshFixtures.cluster3
        // 255 clusters: cluster 3 owns [3 << 16, 4 << 16 - 1].
        #expect(CiliumIdentityConverter.convert(identity("196608", labels), cluster: c3).entries.count == 1)
        #expect(CiliumIdentityConverter.convert(identity("262143", labels), cluster: c3).entries.count == 1)
        let low = CiliumIdentityConverter.convert(identity("196607", labels), cluster: c3)
        #expect(low.entries.isEmpty)
        #expect(low.rejections.first?.reason.contains("outside the range 196608...262143") == true)
        #expect(CiliumIdentityConverter.convert(identity("262144", labels), cluster: c3).entries.isEmpty)
        // 511 clusters: shift 15, cluster 3 owns [98304, 131071].
        let c511 = MeshClusterInfo(name: "cluster3", id: 3, maxConnectedClusters: 511)
        #expect(CiliumIdentityConverter.convert(identity("98304", labels), cluster: c511).entries.count == 1)
        #expect(CiliumIdentityConverter.convert(identity("131072", labels), cluster: c511).rejections.count == 1)
        #expect(CiliumIdentityConverter.convert(identity("196915", labels), cluster: c511).rejections.count == 1)
    }

    @Test func rejections() {
        let c3 = MeshFixtures.cluster3
        #expect(CiliumIdentityConverter.convert(identity("196915", nil), cluster: c3).rejections.first?.reason == "missing security labels")
        #expect(CiliumIdentityConverter.convert(identity("196915", [:]), cluster: c3).entries.isEmpty)
        for name in ["abc", "0196915", "-1", "4294967296", ""] {
            let out = CiliumIdentityConverter.convert(identity(name, ["k8s:a": "b"]), cluster: c3)
            #expect(out.entries.isEmpty && out.rejections.first?.reason == "name is not a numeric identity")
        }
        let bad = CiliumIdentityConverter.convert(
            identity("196915", ["k8s:a": "b"]), cluster: MeshClusterInfo(name: "c", id: 3, maxConnectedClusters: 100))
        #expect(bad.entries.isEmpty && bad.rejections.count == 1)
    }
}
