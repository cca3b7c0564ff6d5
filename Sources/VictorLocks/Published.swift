public import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An immutable snapshot that many threads read and few replace: a read takes no lock and never
/// waits for a writer; a writer publishes a whole new snapshot at once, so a reader sees either
/// the old one or the new one, never a mix.
///
/// Reclamation: a reader announces itself on its thread's stripe of a ``StripedCounter`` (so
/// two threads reading at once rarely write to the same cache line), loads the snapshot, runs
/// its body and leaves. A writer swaps the snapshot in, then releases the old one only after it
/// has seen every stripe at zero; until then the old snapshot waits in a retired
/// list that every later write retries (and the cell's deinit empties). A reader that announced
/// itself after the swap cannot load the old snapshot, and one that did so before is counted
/// until it leaves, so no snapshot is freed while a reader holds its address uncounted.
///
/// ```swift
/// let table = Published(Table())
/// let hit = table.read { $0.lookup("alice") }
/// table.replace { $0.inserting("bob") }
/// ```
public final class Published<Snapshot: AnyObject & Sendable>: Sendable {
    /// The bits of an `Unmanaged<Snapshot>` holding one reference.
    @usableFromInline let current: Atomic<UInt>
    @usableFromInline let readers = StripedCounter()
    /// Writer-only: snapshots swapped out while a reader may still hold them.
    private let retired = Locked<[UInt]>([])

    /// Publishes `snapshot` as the first value.
    public init(_ snapshot: Snapshot) {
        current = Atomic(Self.retainedBits(snapshot))
    }

    deinit {
        Self.release(current.load(ordering: .relaxed))
        retired.withLock { bits in bits.forEach(Self.release) }
    }

    /// Runs `body` on the current snapshot, without a lock. `body` must not keep the snapshot
    /// beyond its return other than by returning (a copy of) what it reads from it.
    /// - Complexity: two uncontended atomic additions around `body`.
    @inlinable
    public func read<Result>(_ body: (Snapshot) -> Result) -> Result {
        let counter = readers.enter()
        let result = Self.run(body, on: current.load(ordering: .sequentiallyConsistent))
        readers.leave(counter)
        return result
    }

    /// The current snapshot, retained.
    public var snapshot: Snapshot { read { $0 } }

    /// Publishes what `transform` makes of the current snapshot. Writers are serialized, so a
    /// transform always sees the snapshot its result replaces.
    public func replace(_ transform: (Snapshot) -> Snapshot) {
        retired.withLock { retired in
            let old = current.load(ordering: .relaxed)
            let new = Self.run(transform, on: old)
            current.store(Self.retainedBits(new), ordering: .sequentiallyConsistent)
            retired.append(old)
            reclaim(&retired)
        }
    }

    /// Publishes `snapshot`.
    public func store(_ snapshot: Snapshot) {
        replace { _ in snapshot }
    }

    /// Snapshots replaced but not yet released because a reader was inside when last checked.
    public var retiredCount: Int { retired.withLock { $0.count } }

    /// Releases the retired snapshots once no reader is inside; readers stay inside for a
    /// lookup, so a few polls (yielding the processor after the first ones) nearly always do.
    private func reclaim(_ retired: inout [UInt]) {
        for attempt in 0..<64 {
            if readers.allIdle() {
                retired.forEach(Self.release)
                retired.removeAll()
                return
            }
            if attempt >= 8 { sched_yield() }
        }
    }

    /// `body` applied to the snapshot `bits` refer to, borrowed. Not inlined, so every copy
    /// `body` makes (and its retain) is complete before the caller leaves its counter, whatever
    /// the optimizer does with retains.
    @inlinable @inline(never)
    static func run<Result>(_ body: (Snapshot) -> Result, on bits: UInt) -> Result {
        Unmanaged<Snapshot>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)._withUnsafeGuaranteedRef(body)
    }

    private static func retainedBits(_ snapshot: Snapshot) -> UInt {
        UInt(bitPattern: Unmanaged.passRetained(snapshot).toOpaque())
    }

    private static func release(_ bits: UInt) {
        Unmanaged<Snapshot>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).release()
    }
}

/// A counter striped by thread, each stripe on its own cache line: a thread adds to its own
/// stripe, so two threads counting at once seldom share a line, and the total is the sum of the
/// stripes. Counts the readers inside a ``Published``, and hits on lock-free read paths.
public final class StripedCounter: @unchecked Sendable {
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

    /// Counts the calling thread in: returns its stripe, to be given back to ``leave(_:)``.
    @inlinable
    public func enter() -> UnsafeMutablePointer<Atomic<Int>> {
        let counter = stripe()
        counter.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent)
        return counter
    }

    /// Counts a thread out of the stripe ``enter()`` returned.
    @inlinable
    public func leave(_ counter: UnsafeMutablePointer<Atomic<Int>>) {
        counter.pointee.wrappingSubtract(1, ordering: .releasing)
    }

    /// Adds `amount` to the calling thread's stripe, with no ordering: for statistics.
    @inlinable
    public func add(_ amount: Int) {
        stripe().pointee.wrappingAdd(amount, ordering: .relaxed)
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

    /// Whether every stripe was zero when read, each read after everything before the call.
    func allIdle() -> Bool {
        for index in 0..<Self.count {
            let counter = (base + index * Self.stride).assumingMemoryBound(to: Atomic<Int>.self)
            if counter.pointee.load(ordering: .sequentiallyConsistent) != 0 { return false }
        }
        return true
    }

    /// The calling thread's stripe index: its thread handle, mixed, in `0..<count`. Threads'
    /// handles lie far apart in memory, so the high bits of the product tell them apart.
    @usableFromInline
    static func threadIndex() -> Int {
        #if canImport(Darwin)
        let handle = UInt64(UInt(bitPattern: pthread_self()))
        #else
        let handle = UInt64(pthread_self())
        #endif
        return Int(truncatingIfNeeded: (handle &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - count.trailingZeroBitCount))
    }
}
