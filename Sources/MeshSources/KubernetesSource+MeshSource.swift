import Mesh

extension KubernetesSource: MeshSource {
    /// `MeshSource` entry point: the mirror must be the one the source was built for (its
    /// configuration chose the kinds to watch). Returns at once; lists run in the background.
    public func start(mirror: MeshMirror) throws(MeshSourceError) {
        guard mirror === self.mirror else {
            throw .startFailed(source: "kubernetes", reason: "started with a different mirror than it was built with")
        }
        guard !started.load(ordering: .acquiring) else { throw .alreadyStarted }
        start()
    }

    /// `kubernetes https://…: CiliumNode watching (lists 1, relists 0), Service crdMissing (…)`.
    public var statusDescription: String {
        let parts = status.map { s in
            var text = "\(s.kind.rawValue) \(s.watch.phase.rawValue) (lists \(s.watch.lists), relists \(s.watch.relists)"
            if s.decodeFailures > 0 { text += ", undecodable \(s.decodeFailures)" }
            if s.watch.phase != .watching, let error = s.watch.lastError { text += ", last error: \(error.prefix(120))" }
            return text + ")"
        }
        return "kubernetes \(client.config.server): " + parts.joined(separator: ", ")
    }
}
