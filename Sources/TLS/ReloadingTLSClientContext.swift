import Synchronization

/// A client TLS context that re-reads its CA, certificate and key files when they change, for
/// clients that open new connections over a long life (Cilium reloads its etcd client
/// certificate on every handshake). `current()` stats the files (cheap) and rebuilds the
/// `SSL_CTX` only when a fingerprint (device, inode, size, mtime) differs from the last
/// successful load; engines made earlier keep their context.
public final class ReloadingTLSClientContext: Sendable {
    public let configuration: TLSClientConfiguration

    private struct State: Sendable {
        var context: TLSClientContext
        var fingerprints: [FileFingerprint?]
        var generation: Int
    }

    private let state: Mutex<State>

    /// Loads the files now; throws when any is missing or invalid.
    public init(_ configuration: TLSClientConfiguration) throws(TLSError) {
        self.configuration = configuration
        let fingerprints = Self.fingerprints(configuration)
        let context = try TLSClientContext(configuration)
        state = Mutex(State(context: context, fingerprints: fingerprints, generation: 1))
    }

    /// Number of successful loads (1 after `init`, +1 per effective reload).
    public var generation: Int { state.withLock { $0.generation } }

    /// The context for a new connection: reloaded first if a file changed. When the reload
    /// fails (e.g. a certificate written before its key mid-rotation) the error is thrown and
    /// the next call tries again; the caller may fall back to `lastGood`.
    public func current() throws(TLSError) -> TLSClientContext {
        let now = Self.fingerprints(configuration)
        let (context, previous) = state.withLock { ($0.context, $0.fingerprints) }
        guard now != previous else { return context }
        // Built outside the lock: file I/O and parsing must not block other callers.
        let fresh = try TLSClientContext(configuration)
        state.withLock { state in
            state.context = fresh
            state.fingerprints = now
            state.generation += 1
        }
        return fresh
    }

    /// The context from the last successful load, without checking the files.
    public var lastGood: TLSClientContext { state.withLock { $0.context } }

    private static func fingerprints(_ configuration: TLSClientConfiguration) -> [FileFingerprint?] {
        [configuration.caPath, configuration.certificatePath, configuration.privateKeyPath]
            .map { $0.flatMap { FileFingerprint(path: $0) } }
    }
}
