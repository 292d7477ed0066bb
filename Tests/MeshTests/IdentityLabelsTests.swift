import Testing
import Mesh

@Suite struct IdentityLabelsTests {
    @Test func referenceExample() {
        // reference/cilium-clustermesh.md §1.4 (ciliumidentitites.txtar).
        let labels = IdentityLabels(parsing: [
            "k8s:io.kubernetes.pod.namespace=bar", "k8s:app=baz", "k8s:io.cilium.k8s.policy.cluster=cluster3",
        ])
        #expect(labels.sortedList == "k8s:app=baz;k8s:io.cilium.k8s.policy.cluster=cluster3;k8s:io.kubernetes.pod.namespace=bar;")
        #expect(labels.hasClusterLabel("cluster3"))
        #expect(!labels.hasClusterLabel("cluster4"))
        #expect(KeyPaths.identity(id: 196_915) == "cilium/state/identities/v1/id/196915")
    }

    @Test func sortIgnoresSourceAndParsesEdges() {
        let labels = IdentityLabels(parsing: ["reserved:z", "k8s:a=1", "any:b=x=y", "cidr:10.0.0.0/8"])
        #expect(labels.sortedList == "cidr:10.0.0.0/8=;k8s:a=1;any:b=x=y;reserved:z=;")
        #expect(CiliumLabel("plain") == CiliumLabel(source: "unspec", key: "plain", value: ""))
        #expect(IdentityLabels([]).sortedList == "")
    }
}
