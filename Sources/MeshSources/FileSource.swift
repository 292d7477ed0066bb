import Dispatch
import Mesh
import Synchronization

/// `--source file:PATH`: a YAML or JSON file, or a directory of them, holding Kubernetes
/// objects or Lists as `kubectl get … -o yaml|json` writes them (multi-document YAML too), so a
/// user can replay an export of a real cluster.
///
/// `start(mirror:)` loads the path synchronously and applies one `replaceAll` per consumed
/// kind (empty kinds included, so the canaries follow the initial load); it throws when the
/// path cannot be read or parsed. Then, every `pollInterval`, it compares the stamps (device,
/// inode, size, mtime) of the files and the directory listing with the last load and, on any
/// change, re-parses everything and applies the `replaceAll`s again: the mirror writes only the
/// keys whose values changed, so watchers see exactly the difference. A reload that fails
/// (syntax error, half-written file) is logged and the previous state stays published; the
/// next change is tried again.
public final class FileSource: MeshSource {
    public struct Options: Sendable {
        /// Seconds between change checks; 0 or less disables polling (`poll()` still works).
        public var pollInterval: Double
        /// Bound on one file (bytes read) and on one document converted to JSON.
        public var maxFileBytes: Int
        /// Bound on the manifest files of a directory.
        public var maxFiles: Int

        public init(pollInterval: Double = 1.0, maxFileBytes: Int = KubeObject.defaultMaxDocumentBytes, maxFiles: Int = 10_000) {
            self.pollInterval = pollInterval
            self.maxFileBytes = maxFileBytes
            self.maxFiles = maxFiles
        }
    }

    /// Outcome of one `poll()`.
    public enum PollResult: Sendable, Equatable {
        case notStarted
        case unchanged
        /// The content changed and was applied; what the mirror wrote.
        case reloaded(MeshApplyResult)
        /// The content changed but could not be loaded; the previous state stays.
        case failed(MeshSourceError)
    }

    public let path: String
    public let options: Options
    private let log: MeshSourceLog
    /// Held for a whole poll: polls are serialised, and `stop()` waits for one in flight.
    private let loader: Mutex<Loader>
    private let status: Mutex<Status>
    private let queue = DispatchQueue(label: "mesh.source.file")

    private struct Loader {
        var mirror: MeshMirror?
        var stamps: [FileStamp]?
        var stopped = false
    }

    private struct Status {
        var started = false
        var timer: RepeatingTimer?
        var files = 0
        var objects = 0
        var loads = 0
        var lastError: String?
    }

    public init(path: String, options: Options = Options(), log: @escaping MeshSourceLog = { _ in }) {
        self.path = path
        self.options = options
        self.log = log
        self.loader = Mutex(Loader())
        self.status = Mutex(Status())
    }

    public func start(mirror: MeshMirror) throws(MeshSourceError) {
        let first = status.withLock { s in
            defer { s.started = true }
            return !s.started
        }
        guard first else { throw .alreadyStarted }
        loader.withLock { $0.mirror = mirror }
        if case .failed(let error) = poll() { throw error }
        guard options.pollInterval > 0 else { return }
        let timer = RepeatingTimer(interval: options.pollInterval, queue: queue) { [weak self] in self?.poll() }
        status.withLock { $0.timer = timer }
    }

    public func stop() {
        let timer = status.withLock { s in
            defer { s.timer = nil }
            return s.timer
        }
        timer?.cancel()
        loader.withLock { $0.stopped = true }
    }

    /// Checks the path once and reloads when anything changed (the timer calls this; tests
    /// may call it directly for deterministic steps).
    @discardableResult
    public func poll() -> PollResult {
        loader.withLock { l -> PollResult in
            guard let mirror = l.mirror, !l.stopped else { return .notStarted }
            let stamps: [FileStamp]
            let objects: [KubeObject]
            do throws(MeshSourceError) {
                stamps = try Self.scan(path: path, maxFiles: options.maxFiles)
                if stamps == l.stamps { return .unchanged }
                // Remembered even if loading fails: a broken file is reported once, not every poll.
                l.stamps = stamps
                objects = try Self.load(stamps, maxFileBytes: options.maxFileBytes)
            } catch {
                status.withLock { $0.lastError = error.description }
                log("file source: \(error.description); keeping the previous state")
                return .failed(error)
            }
            let snapshot = MeshSnapshot(objects)
            let result = mirror.apply(snapshot.events(for: mirror.configuration.consumedKinds))
            status.withLock { s in
                s.files = stamps.count
                s.objects = snapshot.count
                s.loads += 1
                s.lastError = nil
            }
            log(
                "file source: loaded \(snapshot.count) objects from \(stamps.count) file(s) in \(path): "
                    + "\(result.puts) puts, \(result.deletes) deletes")
            for rejection in result.rejections.prefix(20) { log("file source: rejected \(rejection)") }
            if result.rejections.count > 20 { log("file source: … \(result.rejections.count - 20) more rejections") }
            for error in result.storeErrors.prefix(5) { log("file source: store error: \(error)") }
            return .reloaded(result)
        }
    }

    public var statusDescription: String {
        status.withLock { s in
            var text = "file \(path): \(s.objects) objects from \(s.files) file(s), \(s.loads) load(s)"
            if let error = s.lastError { text += ", last reload failed: \(error)" }
            return text
        }
    }
}
