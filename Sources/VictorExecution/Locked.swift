#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`.
///
/// The executor's locks are taken once per task by every worker, so they are contended. On
/// Linux, `Synchronization.Mutex` hands a contended lock over inside the kernel (a
/// priority-inheritance futex, in its uninstrumented slow path), which ThreadSanitizer cannot
/// see: it then reports races on the guarded state that do not exist. ThreadSanitizer
/// intercepts pthread mutexes, so the executor's concurrency tests can run under it.
@usableFromInline
final class Locked<State: Sendable>: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    // Every access goes through `withLock`, which holds the mutex.
    @exclusivity(unchecked) @usableFromInline var state: State

    @inlinable
    init(_ state: State) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.state = state
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the state.
    @inlinable @inline(__always)
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}
