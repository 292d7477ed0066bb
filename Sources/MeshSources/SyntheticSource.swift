import Dispatch
import Foundation
import Mesh
import Synchronization

/// `--source synthetic:nodes=…,endpoints=…,identities=…,services=…,churn=…`: a generated mesh
/// of the requested size (`SyntheticMesh`, deterministic from `seed`) for scale tests without a
/// cluster.
///
/// `start(mirror:)` returns at once; the initial load runs on the source's queue, kind by kind,
/// as `beginRelist`, upserts in `batchSize` batches (one `apply` each, so the mirror's lock and
/// each store transaction stay bounded) and `relistDone`; consumed kinds it does not generate
/// (CiliumEndpointSlices, ServiceExports) get an empty `replaceAll`, so all canaries follow.
/// Namespaces come first: `nonglobal` percent of them are annotated
/// `clustermesh.cilium.io/global: "false"`, so their objects are not published.
/// Then, with `churn > 0`, a 100 ms timer applies `churn` endpoint changes per second: IP
/// moves, identity changes (same namespace) and deletes/recreates, chosen from the seed.
/// EndpointSlices are not updated by churn (service backends keep the initial IPs).
public final class SyntheticSource: MeshSource {
    public let mesh: SyntheticMesh
    private let log: MeshSourceLog
    private let queue = DispatchQueue(label: "mesh.source.synthetic")
    private let state: Mutex<State>

    private struct State {
        var mirror: MeshMirror?
        var stopped = false
        var loaded = false
        var loadSeconds: Double?
        var endpoints: [SyntheticMesh.EndpointState] = []
        var random: SplitMix64
        var churnBudget = 0.0
        var churnEvents = 0
        var timer: RepeatingTimer?
    }

    public init(parameters: SyntheticMeshParameters, cluster: MeshClusterInfo, log: @escaping MeshSourceLog = { _ in }) throws(MeshSourceError) {
        self.mesh = try SyntheticMesh(parameters: parameters, cluster: cluster)
        self.log = log
        self.state = Mutex(State(random: SplitMix64(seed: parameters.seed ^ 0xC4_0C4)))
    }

    public func start(mirror: MeshMirror) throws(MeshSourceError) {
        let first = state.withLock { s in
            defer { s.mirror = s.mirror ?? mirror }
            return s.mirror == nil
        }
        guard first else { throw .alreadyStarted }
        queue.async { [self] in
            load(into: mirror)
            startChurn()
        }
    }

    public func stop() {
        let timer = state.withLock { s in
            s.stopped = true
            defer { s.timer = nil }
            return s.timer
        }
        timer?.cancel()
        // Wait for a load batch or churn tick in flight.
        queue.sync {}
    }

    /// True once the initial load was applied.
    public var isLoaded: Bool { state.withLock { $0.loaded } }

    /// Seconds the initial load took (nil before).
    public var loadSeconds: Double? { state.withLock { $0.loadSeconds } }

    public var churnEvents: Int { state.withLock { $0.churnEvents } }

    public var statusDescription: String {
        let p = mesh.parameters
        let (loaded, seconds, churned) = state.withLock { ($0.loaded, $0.loadSeconds, $0.churnEvents) }
        var text = "synthetic nodes=\(p.nodes) endpoints=\(p.endpoints) identities=\(p.identities) services=\(p.services) churn=\(p.churn)/s"
        text += loaded ? ", loaded in \(String(format: "%.2f", seconds ?? 0)) s, \(churned) churn events" : ", loading"
        return text
    }

    // MARK: - Initial load

    private func load(into mirror: MeshMirror) {
        let started = Date()
        let p = mesh.parameters
        let initial = (0..<p.endpoints).map(mesh.initialState(endpoint:))
        let consumed = mirror.configuration.consumedKinds
        var generated: Set<KubeKind> = []
        func feed(_ kind: KubeKind, count: Int, make: (Int) -> KubeObject) -> Bool {
            generated.insert(kind)
            guard consumed.contains(kind) else { return true }
            var start = 0
            var events: [MeshEvent] = [.beginRelist(kind)]
            repeat {
                if state.withLock({ $0.stopped }) { return false }
                let end = min(start + p.batchSize, count)
                events.reserveCapacity(events.count + end - start + 1)
                for index in start..<end { events.append(.upsert(make(index))) }
                if end == count { events.append(.relistDone(kind)) }
                report(mirror.apply(events))
                events.removeAll(keepingCapacity: true)
                start = end
            } while start < count
            return true
        }
        guard feed(.namespace, count: mesh.namespaces, make: { .namespace(mesh.namespaceObject($0)) }),
            feed(.ciliumNode, count: p.nodes, make: { .ciliumNode(mesh.node($0)) }),
            feed(.ciliumIdentity, count: p.identities, make: { .ciliumIdentity(mesh.identity($0)) }),
            feed(.ciliumEndpoint, count: p.endpoints, make: { .ciliumEndpoint(mesh.endpoint($0, state: initial[$0])) }),
            feed(.service, count: p.services, make: { .service(mesh.service($0)) }),
            feed(.endpointSlice, count: p.services, make: { .endpointSlice(mesh.endpointSlice($0, states: { initial[$0] })) })
        else { return }
        let rest = consumed.subtracting(generated)
        if !rest.isEmpty { report(mirror.apply(MeshSnapshot().events(for: rest))) }
        let seconds = Date().timeIntervalSince(started)
        state.withLock { s in
            s.endpoints = initial
            s.loaded = true
            s.loadSeconds = seconds
        }
        log("synthetic source: loaded in \(String(format: "%.2f", seconds)) s; mirror ready: \(mirror.isReady)")
    }

    private func report(_ result: MeshApplyResult) {
        for rejection in result.rejections.prefix(5) { log("synthetic source: rejected \(rejection)") }
        for error in result.storeErrors.prefix(5) { log("synthetic source: store error: \(error)") }
    }

    // MARK: - Churn

    private static let tick = 0.1

    private func startChurn() {
        guard mesh.parameters.churn > 0, mesh.parameters.endpoints > 0 else { return }
        let timer = RepeatingTimer(interval: Self.tick, queue: queue) { [weak self] in self?.churnTick() }
        let keep = state.withLock { s in
            if s.stopped { return false }
            s.timer = timer
            return true
        }
        if !keep { timer.cancel() }
    }

    private func churnTick() {
        let events: [MeshEvent]? = state.withLock { s in
            guard !s.stopped, s.loaded else { return nil }
            s.churnBudget += Double(mesh.parameters.churn) * Self.tick
            let count = Int(s.churnBudget)
            s.churnBudget -= Double(count)
            return (0..<count).map { _ in mutate(&s) }
        }
        guard let events, !events.isEmpty, let mirror = state.withLock({ $0.mirror }) else { return }
        report(mirror.apply(events))
    }

    /// One random change to one endpoint.
    private func mutate(_ s: inout State) -> MeshEvent {
        let e = s.random.next(below: mesh.parameters.endpoints)
        var endpoint = s.endpoints[e]
        s.churnEvents += 1
        defer { s.endpoints[e] = endpoint }
        if !endpoint.present {
            endpoint.present = true
            return .upsert(.ciliumEndpoint(mesh.endpoint(e, state: endpoint)))
        }
        switch s.random.next(below: 3) {
        case 0:
            endpoint.moved.toggle()
        case 1:
            endpoint.identity = mesh.otherIdentity(than: endpoint.identity, random: s.random.next())
        default:
            endpoint.present = false
            let key = mesh.endpointKey(e)
            return .delete(.ciliumEndpoint, objectKey: "\(key.namespace)/\(key.name)")
        }
        return .upsert(.ciliumEndpoint(mesh.endpoint(e, state: endpoint)))
    }

    /// The current state of endpoint `e` (tests).
    public func endpointState(_ e: Int) -> SyntheticMesh.EndpointState? {
        state.withLock { s in s.endpoints.indices.contains(e) ? s.endpoints[e] : nil }
    }
}
