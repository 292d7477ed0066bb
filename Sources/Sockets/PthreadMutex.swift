#if canImport(Glibc)
import Glibc
#endif

/// A value guarded by a pthread mutex: `Synchronization.Mutex` with the one difference that
/// ThreadSanitizer sees it. (On Linux `Mutex` locks with futex syscalls and uninstrumented
/// atomics, so TSan reports every access made under it as a race; a ten-line program shows
/// it.) Used by the descriptor lifecycle types, whose locking is what TSan must check.
/// Not recursive: never call back into the same lock from `body`.
public final class PthreadMutex<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
