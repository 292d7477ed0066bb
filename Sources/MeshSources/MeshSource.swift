import Mesh

/// A producer of Kubernetes objects for a `MeshMirror`: the Kubernetes API (`KubernetesSource`),
/// a file or directory (`FileSource`), the bundled demo (`DemoSource`), a scale generator
/// (`SyntheticSource`), or nothing (`EmptySource`).
///
/// Contract (every conformer, including the kube helper's `KubernetesSource`):
/// * `start(mirror:)` is called once. It may do its initial work synchronously (the file and
///   demo sources apply their whole initial state before returning) or only begin it (the
///   Kubernetes source lists in the background); it throws only when the source cannot run at
///   all (unreadable path, unparsable initial file, bad configuration).
/// * Afterwards the source feeds the mirror with `MeshEvent`s from its own queue or thread,
///   until `stop()`. Each kind's initial content must end with `replaceAll` or
///   `relistDone`/`initialListDone` for every kind in `mirror.configuration.consumedKinds`, so
///   the mirror writes the sync canaries; readiness is read from `mirror.isReady`.
/// * `stop()` is idempotent, returns once no further event will be applied, and leaves the
///   mirror's keys as they are.
/// * The source never calls `mirror.start()` (the owner does, before or after `start(mirror:)`:
///   canaries wait for both), nor writes the heartbeat.
/// * `statusDescription` is a one-line human summary for logs and `/readyz` details.
public protocol MeshSource: AnyObject, Sendable {
    func start(mirror: MeshMirror) throws(MeshSourceError)
    func stop()
    var statusDescription: String { get }
}

/// Why a source could not start (or a spec could not be parsed).
public enum MeshSourceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--source` text that names no source or has malformed parameters.
    case invalidSpec(String, reason: String)
    /// A file or directory that cannot be read.
    case unreadable(path: String, reason: String)
    /// A file whose content is not a Kubernetes object, list or YAML/JSON stream of them.
    case parse(path: String, reason: String)
    /// `start(mirror:)` was called twice.
    case alreadyStarted
    /// Any other reason a source cannot run (used by sources with their own failure modes).
    case startFailed(source: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSpec(let spec, let reason): "invalid source \"\(spec)\": \(reason)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .parse(let path, let reason): "cannot parse \(path): \(reason)"
        case .alreadyStarted: "source already started"
        case .startFailed(let source, let reason): "\(source) source failed to start: \(reason)"
        }
    }
}

/// Log sink handed to sources (one line per call, no trailing newline).
public typealias MeshSourceLog = @Sendable (String) -> Void
