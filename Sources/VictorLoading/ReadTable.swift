public import Synchronization

/// The loader's lock-free read side: for each component slot, the loaded instance published for
/// readers, read without the loader's lock and without ever waiting for a writer.
///
/// Layout: a directory of chunks of ``chunkSize`` entries (64, 4 KiB: a loader that loads one
/// component pays one chunk), one cache line each (so two tasks reading two components never
/// write to the same line). Chunks are allocated when a component
/// of theirs is first loaded and live as long as the table; a directory that grows is replaced,
/// and the old one is kept until the table is freed (each is half the size of the next, so they
/// cost at most the size of the current one). Readers therefore never meet freed table memory.
///
/// Reclamation of instances: an entry counts the readers inside it (`counter`'s low
/// ``activeBits`` bits). A reader enters (adds one, sequentially consistent), loads the
/// instance, copies its value out (retaining it) and leaves (subtracts one). A writer that
/// withdraws an instance swaps it out (sequentially consistent), then releases it only once it
/// has seen no reader inside that entry; until then the instance waits in ``retired`` and each
/// later change retries. A reader that entered after the swap cannot see the old instance, and
/// one that entered before it is counted, so no instance is freed while a reader may hold its
/// address uncounted.
///
/// The high bits of `counter` count the reads that found an instance: the loader's hits that
/// took no lock, per component, summed when statistics are asked for.
///
/// Writers (every method not marked as a read) run under the loader's lock.
@usableFromInline
final class ReadTable: @unchecked Sendable {
    /// One slot's published state: a cache line.
    @usableFromInline
    struct Entry: ~Copyable {
        /// The bits of an `Unmanaged<AnyInstance>` the table holds a reference to, or 0.
        @usableFromInline let instance = Atomic<UInt>(0)
        /// Readers inside (low ``activeBits`` bits) and reads that found an instance (the rest).
        @usableFromInline let counter = Atomic<UInt>(0)
        /// Writer-only: the hit count when the recency list last linked this slot as newest.
        let linkedHits = Atomic<UInt>(0)
    }

    /// Bits of an entry's counter that count readers inside it.
    @usableFromInline static let activeBits: UInt = 20
    /// What a reader adds on entering: one reader inside and one hit (taken back on a miss).
    @usableFromInline static let enter: UInt = (1 << activeBits) | 1
    @usableFromInline static let activeMask: UInt = (1 << activeBits) - 1

    @usableFromInline static let chunkShift = 6
    @usableFromInline static let chunkSize = 1 << chunkShift
    @usableFromInline static let entryStride = 64

    /// The current directory: a buffer whose element 0 is the number of chunk pointers after it,
    /// each the address of a chunk or 0.
    @usableFromInline let directory: Atomic<UInt>

    /// Writer-only state.
    private var directories: [(buffer: UnsafeMutablePointer<Atomic<UInt>>, count: Int)] = []
    private var chunks: [UnsafeMutableRawPointer] = []
    private var retired: [(index: Int32, bits: UInt)] = []

    init() {
        let initial = Self.makeDirectory(capacity: 4, copying: nil)
        directories = [(initial, 5)]
        directory = Atomic(UInt(bitPattern: initial))
    }

    deinit {
        for chunk in chunks {
            for offset in 0..<Self.chunkSize {
                let entry = (chunk + offset * Self.entryStride).assumingMemoryBound(to: Entry.self)
                let bits = entry.pointee.instance.load(ordering: .relaxed)
                if bits != 0 { Self.unmanaged(bits).release() }
                entry.deinitialize(count: 1)
            }
            chunk.deallocate()
        }
        for (_, bits) in retired { Self.unmanaged(bits).release() }
        for (buffer, count) in directories {
            buffer.deinitialize(count: count)
            buffer.deallocate()
        }
    }

    // MARK: Reads (any thread, no lock)

    /// The entry of `index`, or `nil` when its chunk does not exist yet.
    @inlinable @inline(__always)
    func entry(_ index: Int32) -> UnsafeMutablePointer<Entry>? {
        let directory = UnsafePointer<Atomic<UInt>>(bitPattern: directory.load(ordering: .acquiring))!
        let chunkIndex = Int(index) >> Self.chunkShift
        guard chunkIndex < Int(directory[0].load(ordering: .relaxed)) else { return nil }
        let chunkBits = directory[1 + chunkIndex].load(ordering: .acquiring)
        guard let chunk = UnsafeMutableRawPointer(bitPattern: chunkBits) else { return nil }
        let offset = (Int(index) & (Self.chunkSize - 1)) * Self.entryStride
        return (chunk + offset).assumingMemoryBound(to: Entry.self)
    }

    /// The value of the instance published for `index`, read without a lock; `nil` when none is
    /// published (not loaded, or an access that must take the general path). Counted as a hit.
    @inlinable @inline(__always)
    func value<T: Sendable>(_ index: Int32, as type: T.Type) -> T? {
        read(index) { Self.copyValue($0, as: T.self) }
    }

    /// The instance published for `index`, retained; `nil` when none is. Counted as a hit.
    @usableFromInline
    func instance(_ index: Int32) -> AnyInstance? {
        read(index, Self.retainInstance)
    }

    /// ``value(_:as:)`` for a caller that does not know the type: the value as `any Sendable`.
    func anyValue(_ index: Int32) -> (any Sendable)? {
        read(index, Self.copyAnyValue)
    }

    /// Enters the entry of `index`, copies what is published there with `copy` and leaves;
    /// `nil` when nothing is published. `copy` calls a function that is not inlined, so the copy
    /// (and its retain) is complete before this reader leaves the entry, whatever the optimizer
    /// does with retains. Counted as a hit.
    @inlinable @inline(__always)
    func read<Copy>(_ index: Int32, _ copy: (UInt) -> Copy) -> Copy? {
        guard let entry = entry(index) else { return nil }
        entry.pointee.counter.wrappingAdd(Self.enter, ordering: .sequentiallyConsistent)
        let bits = entry.pointee.instance.load(ordering: .sequentiallyConsistent)
        guard bits != 0 else {
            entry.pointee.counter.wrappingSubtract(Self.enter, ordering: .releasing)
            return nil
        }
        let copied = copy(bits)
        entry.pointee.counter.wrappingSubtract(1, ordering: .releasing)
        return copied
    }

    @inline(never)
    static func copyAnyValue(_ bits: UInt) -> any Sendable {
        unmanaged(bits)._withUnsafeGuaranteedRef { $0.anyValue }
    }

    @inlinable @inline(never)
    static func copyValue<T: Sendable>(_ bits: UInt, as type: T.Type) -> T {
        Unmanaged<Instance<T>>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)._withUnsafeGuaranteedRef { $0.value }
    }

    @inline(never)
    static func retainInstance(_ bits: UInt) -> AnyInstance {
        unmanaged(bits).takeUnretainedValue()
    }

    static func unmanaged(_ bits: UInt) -> Unmanaged<AnyInstance> {
        Unmanaged<AnyInstance>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)
    }

    // MARK: Writes (under the loader's lock)

    /// Reads of `index` that found an instance without a lock, since the table began.
    func hits(_ index: Int32) -> UInt {
        guard let entry = entry(index) else { return 0 }
        return entry.pointee.counter.load(ordering: .relaxed) >> Self.activeBits
    }

    /// Lock-free hits of every slot, summed. O(allocated chunks × ``chunkSize``).
    var totalHits: Int {
        var total: UInt = 0
        for chunk in chunks {
            for offset in 0..<Self.chunkSize {
                let entry = (chunk + offset * Self.entryStride).assumingMemoryBound(to: Entry.self)
                total &+= entry.pointee.counter.load(ordering: .relaxed) >> Self.activeBits
            }
        }
        return Int(truncatingIfNeeded: total)
    }

    /// Whether `index` was read without a lock since ``markLinked(_:)`` last ran for it.
    func touchedSinceLinked(_ index: Int32) -> Bool {
        guard let entry = entry(index) else { return false }
        return entry.pointee.counter.load(ordering: .relaxed) >> Self.activeBits
            != entry.pointee.linkedHits.load(ordering: .relaxed)
    }

    /// Records that the recency list has just linked `index` as its newest.
    func markLinked(_ index: Int32) {
        guard let entry = entry(index) else { return }
        entry.pointee.linkedHits.store(
            entry.pointee.counter.load(ordering: .relaxed) >> Self.activeBits,
            ordering: .relaxed
        )
    }

    /// Makes sure `index` has an entry (its chunk exists and the directory covers it).
    func prepare(_ index: Int32) {
        let chunkIndex = Int(index) >> Self.chunkShift
        var current = UnsafeMutablePointer<Atomic<UInt>>(bitPattern: directory.load(ordering: .relaxed))!
        if chunkIndex >= Int(current[0].load(ordering: .relaxed)) {
            var capacity = Int(current[0].load(ordering: .relaxed))
            while capacity <= chunkIndex { capacity *= 2 }
            current = Self.makeDirectory(capacity: capacity, copying: current)
            directories.append((current, capacity + 1))
            directory.store(UInt(bitPattern: current), ordering: .releasing)
        }
        guard current[1 + chunkIndex].load(ordering: .relaxed) == 0 else { return }
        let chunk = UnsafeMutableRawPointer.allocate(
            byteCount: Self.chunkSize * Self.entryStride,
            alignment: Self.entryStride
        )
        for offset in 0..<Self.chunkSize {
            (chunk + offset * Self.entryStride).bindMemory(to: Entry.self, capacity: 1).initialize(to: Entry())
        }
        chunks.append(chunk)
        current[1 + chunkIndex].store(UInt(bitPattern: chunk), ordering: .releasing)
    }

    /// Publishes `instance` for `index`, replacing (and retiring) any instance published before.
    func publish(_ index: Int32, _ instance: AnyInstance) {
        prepare(index)
        let bits = UInt(bitPattern: Unmanaged.passRetained(instance).toOpaque())
        let old = entry(index)!.pointee.instance.exchange(bits, ordering: .sequentiallyConsistent)
        if old != 0 { retire(index, old) }
        reclaim()
    }

    /// Withdraws the instance published for `index`, if any: readers from now on take the
    /// general path, and the table's reference is released once no reader is inside the entry.
    func withdraw(_ index: Int32) {
        guard let entry = entry(index) else { return }
        let old = entry.pointee.instance.exchange(0, ordering: .sequentiallyConsistent)
        if old != 0 { retire(index, old) }
        reclaim()
    }

    /// Whether an instance is published for `index`.
    func isPublished(_ index: Int32) -> Bool {
        entry(index).map { $0.pointee.instance.load(ordering: .relaxed) != 0 } ?? false
    }

    /// Instances withdrawn but not yet released because a reader may still be copying from them.
    var retiredCount: Int { retired.count }

    private func retire(_ index: Int32, _ bits: UInt) {
        retired.append((index, bits))
    }

    /// Releases every retired instance whose entry has no reader inside.
    func reclaim() {
        guard !retired.isEmpty else { return }
        retired.removeAll { index, bits in
            let active = entry(index)!.pointee.counter.load(ordering: .sequentiallyConsistent) & Self.activeMask
            guard active == 0 else { return false }
            Self.unmanaged(bits).release()
            return true
        }
    }

    private static func makeDirectory(
        capacity: Int,
        copying old: UnsafeMutablePointer<Atomic<UInt>>?
    ) -> UnsafeMutablePointer<Atomic<UInt>> {
        let buffer = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: capacity + 1)
        let oldCapacity = old.map { Int($0[0].load(ordering: .relaxed)) } ?? 0
        (buffer + 0).initialize(to: Atomic(UInt(capacity)))
        for chunkIndex in 0..<capacity {
            let chunk = chunkIndex < oldCapacity ? old![1 + chunkIndex].load(ordering: .relaxed) : 0
            (buffer + 1 + chunkIndex).initialize(to: Atomic(chunk))
        }
        return buffer
    }
}
