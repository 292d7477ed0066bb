import Dispatch
import Foundation
import Mesh
import MeshSources
import MVCC
import Synchronization

/// Owns the mirror and its source: starts them, writes the heartbeat every 60 s and
/// re-enforces the cluster config and canaries every 5 minutes, as Cilium's apiserver does.
final class MirrorRunner: @unchecked Sendable {
    let mirror: MeshMirror?
    let source: (any MeshSource)?
    private var timers: [any DispatchSourceTimer] = []
    private let queue = DispatchQueue(label: "mirror.timers")

    /// `empty` runs no mirror at all: tests and local tools write through the API.
    init(spec: MeshSourceSpec, configuration: MeshMirrorConfiguration, store: KVStore,
         makeKubernetes: (MeshMirror) throws -> any MeshSource) throws {
        guard spec.feedsMirror else {
            mirror = nil
            source = nil
            return
        }
        let mirror = MeshMirror(configuration: configuration, store: store)
        let sourceLog: MeshSourceLog = { message in log("source: \(message)") }
        let source: any MeshSource
        if let made = try spec.makeSource(cluster: configuration.cluster, log: sourceLog) {
            source = made
        } else {
            source = try makeKubernetes(mirror)
        }
        self.mirror = mirror
        self.source = source
    }

    /// When every enabled resource had written its canary (for the bootstrap metric).
    private let readyAtBox = Mutex<Date?>(nil)
    var readyAt: Date? { readyAtBox.withLock { $0 } }

    func start() throws {
        guard let mirror, let source else { return }
        report(mirror.start(), what: "start")
        try source.start(mirror: mirror)
        let readyCheck = DispatchSource.makeTimerSource(queue: queue)
        readyCheck.schedule(deadline: .now(), repeating: .milliseconds(50))
        readyCheck.setEventHandler { [weak self, mirror] in
            guard let self, mirror.isReady else { return }
            self.readyAtBox.withLock { if $0 == nil { $0 = Date() } }
            log("mirror ready: every resource's initial list is in the store")
            readyCheck.cancel()
        }
        readyCheck.resume()
        timers.append(readyCheck)
        every(seconds: 60) { [mirror] in _ = mirror.heartbeat() }
        every(seconds: 300) { [mirror] in _ = mirror.enforceStaticKeys() }
    }

    var isReady: Bool { mirror?.isReady ?? true }

    func stop() {
        source?.stop()
        timers.forEach { $0.cancel() }
    }

    private func every(seconds: Int, _ work: @escaping @Sendable () -> Void) {
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds))
        t.setEventHandler(handler: work)
        t.resume()
        timers.append(t)
    }

    private func report(_ result: MeshApplyResult, what: String) {
        for r in result.rejections { log("mirror \(what): rejected \(r)") }
        for e in result.storeErrors { log("mirror \(what): store error \(e)") }
    }
}
