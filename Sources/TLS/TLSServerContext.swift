import Synchronization

/// A server-side TLS context (an `SSL_CTX`) built from certificate, key and optional client-CA
/// files. Thread-safe: `makeEngine()` may be called from any thread while another thread calls
/// `reloadIfChanged()`.
///
/// Reloading builds a complete new `SSL_CTX` and swaps it in under a lock. Engines made earlier
/// keep a reference to the context they were made from, so established connections (and
/// handshakes in progress) are unaffected; only new engines see the new files.
public final class TLSServerContext: Sendable {
    public let configuration: TLSServerConfiguration

    private struct State: Sendable {
        var handle: SSLContextHandle
        var fingerprints: [FileFingerprint?]
        var generation: Int
    }

    private let state: Mutex<State>

    /// Loads the files now; throws when any is missing, unparsable, or the key does not match.
    public init(_ configuration: TLSServerConfiguration) throws(TLSError) {
        self.configuration = configuration
        let fingerprints = Self.fingerprints(configuration)
        let handle = try SSLContextHandle.makeServer(configuration)
        state = Mutex(State(handle: handle, fingerprints: fingerprints, generation: 1))
    }

    /// Number of successful loads (1 after `init`, +1 per effective reload).
    public var generation: Int {
        state.withLock { $0.generation }
    }

    /// Re-reads the files if any of them changed (device, inode, size or mtime) since the last
    /// successful load. Returns true when a new context was swapped in. On failure (e.g. a key
    /// that does not match the certificate mid-rotation) the current context stays in use, the
    /// error is thrown, and the next call tries again.
    public func reloadIfChanged() throws(TLSError) -> Bool {
        let current = Self.fingerprints(configuration)
        let previous = state.withLock { $0.fingerprints }
        guard current != previous else { return false }
        // Built outside the lock: file I/O and parsing must not block makeEngine().
        let handle = try SSLContextHandle.makeServer(configuration)
        state.withLock { state in
            state.handle = handle
            state.fingerprints = current
            state.generation += 1
        }
        return true
    }

    /// Creates the engine for one accepted connection, bound to the current context.
    public func makeEngine() throws(TLSError) -> TLSEngine {
        let handle = state.withLock { $0.handle }
        return try TLSEngine(handle: handle)
    }

    private static func fingerprints(_ configuration: TLSServerConfiguration) -> [FileFingerprint?] {
        var paths = [configuration.certificatePath, configuration.privateKeyPath]
        if let ca = configuration.clientCAPath {
            paths.append(ca)
        }
        return paths.map { FileFingerprint(path: $0) }
    }
}
