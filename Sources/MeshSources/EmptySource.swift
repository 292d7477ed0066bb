import Mesh

/// `--source empty`: publishes nothing. Tests and local tools write keys through the etcd API
/// themselves, so no state kind is ever listed and no sync canary is written. Owners should
/// not start a `MeshMirror` for this source at all (`MeshSourceSpec.feedsMirror` is false):
/// `mirror.start()` would still write the cluster config and the serviceexports canary.
public final class EmptySource: MeshSource {
    public init() {}

    public func start(mirror: MeshMirror) throws(MeshSourceError) {}

    public func stop() {}

    public var statusDescription: String { "empty (no mesh state published)" }
}
