/// Size and behaviour of a `SyntheticSource`
/// (`--source synthetic:nodes=5000,endpoints=100000,identities=20000,services=1000,churn=50`).
public struct SyntheticMeshParameters: Sendable, Equatable {
    public var nodes: Int
    public var endpoints: Int
    public var identities: Int
    public var services: Int
    /// Endpoint changes per second after the initial load (0: static).
    public var churn: Int
    /// Every generated value derives from it.
    public var seed: UInt64
    /// Percentage of endpoints that also get an IPv6 address.
    public var ipv6Percent: Int
    /// Objects per `MeshMirror.apply` call during the initial load.
    public var batchSize: Int
    /// Percentage of the namespaces annotated `clustermesh.cilium.io/global: "false"` (their
    /// identities, endpoints and services are then not exported).
    public var nonGlobalPercent: Int

    // Limits of the address plan (`SyntheticMesh`).
    public static let maxNodes = 32_768
    public static let maxEndpointsPerNode = 120
    public static let maxIdentities = 60_000
    public static let maxServices = 65_000
    public static let maxChurn = 100_000

    public init(
        nodes: Int = 10, endpoints: Int = 100, identities: Int = 20, services: Int = 5, churn: Int = 0,
        seed: UInt64 = 1, ipv6Percent: Int = 10, batchSize: Int = 5000, nonGlobalPercent: Int = 0
    ) {
        self.nonGlobalPercent = nonGlobalPercent
        self.nodes = nodes
        self.endpoints = endpoints
        self.identities = identities
        self.services = services
        self.churn = churn
        self.seed = seed
        self.ipv6Percent = ipv6Percent
        self.batchSize = batchSize
    }

    /// Parses `k=v,k=v` (keys: nodes, endpoints, identities, services, churn, seed, ipv6, batch, nonglobal;
    /// omitted keys keep their defaults); `spec` is only used in error messages.
    public init(parsing text: Substring, spec: String) throws(MeshSourceError) {
        self.init()
        for item in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let value = UInt64(parts[1].trimmingSpaces) else {
                throw .invalidSpec(spec, reason: "expected key=<non-negative integer>, got \"\(item)\"")
            }
            let small = Int(clamping: value)
            switch parts[0].trimmingSpaces {
            case "nodes": nodes = small
            case "endpoints": endpoints = small
            case "identities": identities = small
            case "services": services = small
            case "churn": churn = small
            case "seed": seed = value
            case "ipv6": ipv6Percent = small
            case "batch": batchSize = small
            case "nonglobal": nonGlobalPercent = small
            case let key:
                throw .invalidSpec(
                    spec,
                    reason: "unknown key \"\(key)\" (nodes, endpoints, identities, services, churn, seed, ipv6, batch, nonglobal)")
            }
        }
        try validate(spec: spec)
    }

    /// Checks the sizes against the address plan's limits.
    public func validate(spec: String) throws(MeshSourceError) {
        func fail(_ reason: String) -> MeshSourceError { .invalidSpec(spec, reason: reason) }
        guard (1...Self.maxNodes).contains(nodes) else { throw fail("nodes must be 1...\(Self.maxNodes)") }
        guard endpoints <= nodes * Self.maxEndpointsPerNode else {
            throw fail("at most \(Self.maxEndpointsPerNode) endpoints per node (\(nodes * Self.maxEndpointsPerNode) for \(nodes) nodes)")
        }
        guard (1...Self.maxIdentities).contains(identities) else { throw fail("identities must be 1...\(Self.maxIdentities)") }
        guard services <= Self.maxServices else { throw fail("services must be 0...\(Self.maxServices)") }
        guard churn <= Self.maxChurn else { throw fail("churn must be 0...\(Self.maxChurn)") }
        guard ipv6Percent <= 100 else { throw fail("ipv6 must be 0...100 (percent)") }
        guard (1...1_000_000).contains(batchSize) else { throw fail("batch must be 1...1000000") }
        guard nonGlobalPercent <= 100 else { throw fail("nonglobal must be 0...100 (percent)") }
    }

    /// Endpoints with an IPv6 address too: every endpoint whose index modulo 100 is below the percentage.
    public func hasIPv6(endpoint index: Int) -> Bool { index % 100 < ipv6Percent }

    /// IP keys the endpoints produce.
    public var ipKeyCount: Int {
        let full = endpoints / 100 * ipv6Percent
        return endpoints + full + min(endpoints % 100, ipv6Percent)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
