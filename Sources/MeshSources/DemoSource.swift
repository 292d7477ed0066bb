import Mesh
import Synchronization

/// `--source demo` (the default): `DemoManifest` for the configured cluster, parsed and applied
/// exactly as `FileSource` applies a file (`KubeManifestParser` → `MeshSnapshot` → one
/// `replaceAll` per consumed kind). Static: nothing changes after `start(mirror:)`.
public final class DemoSource: MeshSource {
    public let clusterName: String
    public let clusterID: UInt32
    private let log: MeshSourceLog
    private let state = Mutex<(started: Bool, objects: Int)>((false, 0))

    public init(clusterName: String, clusterID: UInt32, log: @escaping MeshSourceLog = { _ in }) {
        self.clusterName = clusterName
        self.clusterID = clusterID
        self.log = log
    }

    /// The demo's objects (parsed from the manifest).
    public static func objects(clusterName: String, clusterID: UInt32) throws(MeshSourceError) -> [KubeObject] {
        do throws(KubeManifestError) {
            return try KubeManifestParser.parse(text: DemoManifest.yaml(clusterName: clusterName, clusterID: clusterID))
        } catch {
            throw .parse(path: "<demo>", reason: error.description)
        }
    }

    public func start(mirror: MeshMirror) throws(MeshSourceError) {
        let first = state.withLock { s in
            defer { s.started = true }
            return !s.started
        }
        guard first else { throw .alreadyStarted }
        let snapshot = MeshSnapshot(try Self.objects(clusterName: clusterName, clusterID: clusterID))
        let result = mirror.apply(snapshot.events(for: mirror.configuration.consumedKinds))
        state.withLock { $0.objects = snapshot.count }
        log("demo source: \(snapshot.count) objects for cluster \(clusterName), \(result.puts) puts")
        for rejection in result.rejections { log("demo source: rejected \(rejection)") }
    }

    public func stop() {}

    public var statusDescription: String {
        "demo (rebel-base / x-wing) for cluster \(clusterName): \(state.withLock { $0.objects }) objects"
    }
}
