import Testing

@testable import KubeClient

@Suite struct KubeResourceTests {
    @Test func targets() {
        let r = KubeResource(group: "cilium.io", version: "v2", plural: "ciliumnodes")
        #expect(r.path == "/apis/cilium.io/v2/ciliumnodes")
        #expect(r.description == "ciliumnodes.cilium.io")
        #expect(r.listTarget(limit: 500, continueToken: "a+b/c=") == "/apis/cilium.io/v2/ciliumnodes?limit=500&continue=a%2Bb%2Fc%3D")
        #expect(r.watchTarget(resourceVersion: "42", timeoutSeconds: 300)
            == "/apis/cilium.io/v2/ciliumnodes?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=42")
        let s = KubeResource(group: "", version: "v1", plural: "services", labelSelector: "!service.kubernetes.io/service-proxy-name")
        #expect(s.watchTarget(resourceVersion: "", timeoutSeconds: 5)
            == "/api/v1/services?watch=1&allowWatchBookmarks=true&timeoutSeconds=5&labelSelector=%21service.kubernetes.io%2Fservice-proxy-name")
    }
}
