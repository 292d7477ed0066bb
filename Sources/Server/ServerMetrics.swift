import Prometheus
import Synchronization

/// Prometheus metrics of the server (`/metrics` on `--metrics-listen`).
///
/// Counters are bumped where things happen (requests, watch responses); gauges are sampled
/// from their owners right before each scrape by the `sample` closures, so the hot paths pay
/// nothing for them. Names follow Cilium's `cilium_clustermesh_apiserver_*` where Cilium has
/// an equivalent and `clustermesh_apiserver_*` for server figures Cilium's pod takes from etcd.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let samplers = Mutex<[@Sendable (PrometheusCollectorRegistry) -> Void]>([])
    private let requestCounters = Mutex<[String: Counter]>([:])
    let watchResponsesSent: Counter
    let connectionsAccepted: Counter
    let connectionsRejected: Counter
    let permissionDenied: Counter

    public init() {
        watchResponsesSent = registry.counter("clustermesh_apiserver_watch_responses_sent_total",
            help: "Watch responses (gRPC and gateway) handed to connections.")
        connectionsAccepted = registry.counter("clustermesh_apiserver_connections_accepted_total", help: "Client connections accepted.")
        connectionsRejected = registry.counter("clustermesh_apiserver_connections_rejected_total",
            help: "Client connections refused: connection limit, TLS handshake failure or unknown certificate user.")
        permissionDenied = registry.counter("clustermesh_apiserver_permission_denied_total", help: "Requests answered with permission denied.")
    }

    /// Counts one finished RPC (gRPC or gateway) by method and gRPC status code name.
    func request(method: String, code: String, transport: String) {
        let key = "\(transport)|\(method)|\(code)"
        let counter = requestCounters.withLock { counters in
            if let c = counters[key] { return c }
            let c = registry.counter("clustermesh_apiserver_requests_total",
                labels: [("transport", transport), ("method", method), ("code", code)],
                help: "Finished requests by transport (grpc, gateway), method and status code.")
            counters[key] = c
            return c
        }
        counter.increment()
    }

    /// Registers a closure that refreshes gauges before each scrape.
    public func addSampler(_ sampler: @escaping @Sendable (PrometheusCollectorRegistry) -> Void) {
        samplers.withLock { $0.append(sampler) }
    }

    /// The Prometheus text exposition (version 0.0.4).
    public func render() -> [UInt8] {
        let all = samplers.withLock { $0 }
        for s in all { s(registry) }
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}

extension PrometheusCollectorRegistry {
    /// A counter named exactly `name` (no namespace or unit suffix added).
    public func counter(_ name: String, labels: [(String, String)] = [], help: String) -> Counter {
        makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// A gauge named exactly `name`.
    public func gauge(_ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }
}
