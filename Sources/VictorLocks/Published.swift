public import CVictorThreadSlots
public import Synchronization

/// An immutable snapshot that many threads read and few replace: a read takes no lock, makes no
/// atomic read-modify-write and never waits for a writer; a writer publishes a whole new
/// snapshot at once, so a reader sees either the old one or the new one, never a mix.
///
/// Every snapshot is published under a serial number unique in the process. Each thread keeps,
/// in thread-local slots, a reference to the last snapshot it read from each cell, with its
/// serial. A read loads the cell's current serial (an ordinary load on x86 and ARM) and, when
/// the thread's slot holds that serial, runs its body on the snapshot there; otherwise it takes
/// the cell's lock once to fetch the current snapshot into the slot. So a thread pays for a lock
/// only on its first read after a change, and readers on different cores share no written
/// cache line.
///
/// Reclamation is by reference count: a replaced snapshot lives until the cell and every thread
/// that read it have let go. A thread lets go when it next reads that cell, when another cell
/// takes the same slot, or when it exits, so a thread that stops reading may keep the last
/// snapshot it read (one per slot, 16 slots per thread) alive until it exits.
///
/// Cells take slots in turn, so the first 16 cells of a process have a slot each; cells beyond
/// share them, and a thread that reads two cells sharing a slot alternately takes the lock on
/// every read (still correct, no longer lock-free). A read may run inside a read of another
/// cell, as the gate reads the authorizer inside a read of its tool registry: the inner read
/// fills its own slot, and only a slot an outer read on the thread is using is left as it is
/// (the inner read then takes the lock).
///
/// ```swift
/// let table = Published(Table())
/// let hit = table.read { $0.lookup("alice") }
/// table.replace { $0.inserting("bob") }
/// ```
public final class Published<Snapshot: AnyObject & Sendable>: Sendable {
    /// The serial of the current snapshot.
    @usableFromInline let serial: Atomic<UInt64>
    /// This cell's slot in each thread's slots.
    @usableFromInline let slot: UInt64
    /// The current snapshot and its serial; writers hold the lock while they replace it.
    private let current: Locked<Current>

    private struct Current {
        var serial: UInt64
        var snapshot: Snapshot
    }

    /// Publishes `snapshot` as the first value.
    public init(_ snapshot: Snapshot) {
        let serial = PublishedSerials.next()
        self.serial = Atomic(serial)
        slot = PublishedSerials.nextSlot()
        current = Locked(Current(serial: serial, snapshot: snapshot))
    }

    /// Runs `body` on the current snapshot, without a lock. `body` must not keep the snapshot
    /// beyond its return other than by returning (a copy of) what it reads from it. `body` may
    /// read this or another cell again.
    /// - Complexity: one thread-local load, one atomic load and a comparison around `body`, on
    ///   every read but a thread's first after a change.
    @inlinable
    public func read<Result>(_ body: (Snapshot) -> Result) -> Result {
        let serial = self.serial.load(ordering: .acquiring)
        if let slots = victor_thread_slots_get() {
            let entry = victor_thread_slot_at(slots, slot)!
            if entry.pointee.serial == serial, let object = entry.pointee.object {
                entry.pointee.readers += 1
                defer { entry.pointee.readers -= 1 }
                return Unmanaged<Snapshot>.fromOpaque(object)._withUnsafeGuaranteedRef(body)
            }
        }
        return readFetching(body)
    }

    /// ``read(_:)`` when the thread's slot does not hold the current snapshot: fetches it under
    /// the lock, keeps it in the slot (unless a read on this thread is running, whose snapshot
    /// the slot may hold) and runs `body` on it.
    @usableFromInline @inline(never)
    func readFetching<Result>(_ body: (Snapshot) -> Result) -> Result {
        let (serial, snapshot) = current.withLock { ($0.serial, $0.snapshot) }
        // A slot an outer read on this thread is using keeps its object; this read then runs on
        // the snapshot it fetched.
        if let slots = victor_thread_slots_get() ?? victor_thread_slots_create(releaseSlotObject),
            let entry = victor_thread_slot_at(slots, slot), entry.pointee.readers == 0
        {
            let old = entry.pointee.object
            entry.pointee.object = Unmanaged.passRetained(snapshot).toOpaque()
            entry.pointee.serial = serial
            // Last: releasing may run a deinit that reads again.
            if let old { Unmanaged<AnyObject>.fromOpaque(old).release() }
            entry.pointee.readers += 1
            defer { entry.pointee.readers -= 1 }
            return body(snapshot)
        }
        return body(snapshot)
    }

    /// The current snapshot, retained.
    public var snapshot: Snapshot { read { $0 } }

    /// Publishes what `transform` makes of the current snapshot. Writers are serialized, so a
    /// transform always sees the snapshot its result replaces.
    public func replace(_ transform: (Snapshot) -> Snapshot) {
        let replaced = current.withLock { current in
            let old = current.snapshot
            let serial = PublishedSerials.next()
            current = Current(serial: serial, snapshot: transform(old))
            self.serial.store(serial, ordering: .releasing)
            return old
        }
        withExtendedLifetime(replaced) {}  // released outside the lock, if this was the last reference
    }

    /// Publishes `snapshot`.
    public func store(_ snapshot: Snapshot) {
        replace { _ in snapshot }
    }
}

/// Releases an object a thread's slot held, when the thread exits.
private func releaseSlotObject(_ object: UnsafeMutableRawPointer?) {
    if let object { Unmanaged<AnyObject>.fromOpaque(object).release() }
}

/// Serial numbers of published snapshots, unique in the process, so a thread's slot holding a
/// serial holds exactly that snapshot; and the slots cells take, spread in turn.
enum PublishedSerials {
    private static let serials = Atomic<UInt64>(0)
    private static let slots = Atomic<UInt64>(0)

    static func next() -> UInt64 { serials.wrappingAdd(1, ordering: .relaxed).newValue }
    static func nextSlot() -> UInt64 { slots.wrappingAdd(1, ordering: .relaxed).oldValue }
}

/// A counter striped by thread, each stripe on its own cache line: a thread adds to its own
/// stripe, and the total is the sum of the stripes. Threads take stripes in turn as they first
/// count, so the first 16 threads of a process never share one; beyond, threads share stripes
/// and still count exactly (each addition is atomic). Counts hits on lock-free read paths.
///
/// Not copyable, so counting through a `let` of a shared object borrows the counter in place: it
/// counts no reference, which would be a line every counting thread writes.
public struct StripedCounter: ~Copyable, @unchecked Sendable {
    /// Stripes, a power of two.
    @usableFromInline static let count = 16
    @usableFromInline static let stride = 64
    @usableFromInline let base: UnsafeMutableRawPointer

    /// Creates stripes at zero.
    public init() {
        base = .allocate(byteCount: Self.count * Self.stride, alignment: Self.stride)
        for index in 0..<Self.count {
            (base + index * Self.stride).bindMemory(to: Atomic<Int>.self, capacity: 1).initialize(to: Atomic(0))
        }
    }

    deinit {
        for index in 0..<Self.count {
            (base + index * Self.stride).assumingMemoryBound(to: Atomic<Int>.self).deinitialize(count: 1)
        }
        base.deallocate()
    }

    /// The calling thread's stripe.
    @inlinable
    func stripe() -> UnsafeMutablePointer<Atomic<Int>> {
        (base + Self.threadIndex() * Self.stride).assumingMemoryBound(to: Atomic<Int>.self)
    }

    /// Adds `amount` to the calling thread's stripe, with no ordering: for statistics.
    @inlinable @inline(__always)
    public func add(_ amount: Int) {
        stripe().pointee.wrappingAdd(amount, ordering: .relaxed)
    }

    /// Adds `amount` to the calling thread's stripe, with no ordering, and returns the stripe's
    /// value before: a count of this thread's (and any thread sharing its stripe's) additions, for
    /// doing something every N-th time without a line every thread writes.
    @inlinable @inline(__always)
    public func addReturningStripeValue(_ amount: Int) -> Int {
        stripe().pointee.wrappingAdd(amount, ordering: .relaxed).oldValue
    }

    /// The sum of the stripes.
    public var total: Int {
        var sum = 0
        for index in 0..<Self.count {
            sum &+= (base + index * Self.stride).assumingMemoryBound(to: Atomic<Int>.self).pointee.load(
                ordering: .relaxed
            )
        }
        return sum
    }

    /// The calling thread's stripe index: threads take stripes in turn as they first count, so
    /// up to ``count`` threads never share one.
    @inlinable @inline(__always)
    static func threadIndex() -> Int {
        Int(victor_thread_stripe() & UInt32(count - 1))
    }
}
