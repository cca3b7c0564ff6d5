#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The authorizer guards its state with pthread locks rather than `Synchronization.Mutex`: on
// Linux, `Mutex` takes its contended path inside the uninstrumented runtime, so
// ThreadSanitizer misses the synchronization and reports races that are not there. pthread
// locks are intercepted by ThreadSanitizer and cost the same uncontended.

/// A value that is only read or changed while holding a pthread mutex.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// The current snapshot: many readers at once under a pthread read-write lock, one writer
/// swapping the reference. Readers hold the lock only to copy the reference out.
final class SnapshotSlot: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var snapshot: Snapshot

    init(_ snapshot: Snapshot) {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
        self.snapshot = snapshot
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    @inline(__always)
    func load() -> Snapshot {
        pthread_rwlock_rdlock(lock)
        let current = snapshot
        pthread_rwlock_unlock(lock)
        return current
    }

    func store(_ new: Snapshot) {
        pthread_rwlock_wrlock(lock)
        let old = snapshot
        snapshot = new
        pthread_rwlock_unlock(lock)
        withExtendedLifetime(old) {}  // released outside the lock
    }
}
