public import Synchronization

#if VICTOR_TSAN
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#endif

/// A value protected by a lock: `Synchronization.Mutex` with one addition for sanitized builds.
///
/// On Linux, `Mutex` waits on a futex that ThreadSanitizer cannot observe, so every access it
/// serializes is reported as a race. Builds compiled with `-DVICTOR_TSAN` (as `.ci/run` does for
/// its ThreadSanitizer pass) also take a `pthread_mutex_t`, which ThreadSanitizer understands;
/// ordinary builds compile to a plain `Mutex`.
public struct Locked<Value: ~Copyable>: ~Copyable, Sendable {
    @usableFromInline let mutex: Mutex<Value>
    #if VICTOR_TSAN
    @usableFromInline let shadow = ShadowLock()
    #endif

    /// Creates a lock protecting `initialValue`.
    @inlinable
    public init(_ initialValue: consuming sending Value) {
        mutex = Mutex(initialValue)
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable
    public borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        #if VICTOR_TSAN
        shadow.lock()
        defer { shadow.unlock() }
        #endif
        return try mutex.withLock(body)
    }
}

#if VICTOR_TSAN
/// A pthread mutex, taken alongside the `Mutex` so ThreadSanitizer sees the ordering.
@usableFromInline
final class ShadowLock: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<pthread_mutex_t>

    @usableFromInline init() {
        handle = .allocate(capacity: 1)
        pthread_mutex_init(handle, nil)
    }

    deinit {
        pthread_mutex_destroy(handle)
        handle.deallocate()
    }

    @usableFromInline func lock() { pthread_mutex_lock(handle) }
    @usableFromInline func unlock() { pthread_mutex_unlock(handle) }
}
#endif
