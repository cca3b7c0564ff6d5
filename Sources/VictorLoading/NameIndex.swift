import Synchronization
import VictorDocuments

/// The loader's map from a component's name to its slot, read without the loader's lock.
///
/// A slot keeps its name for the loader's life, so the map only grows. It is an open-addressing
/// table (linear probing, at most half full) of words, each 0 or the address of an immutable
/// record `[hash: UInt64][index: Int][count: Int][UTF-8 bytes]` in an arena. A writer (under
/// the loader's lock) writes a record, then publishes its address in an empty word (releasing);
/// a reader loads words (acquiring) and compares the records' hashes and bytes. Growing builds
/// a new table from the records and publishes its address. Records and old tables live as long
/// as the index (each old table is half the size of the next, so together they cost at most the
/// current one), so a reader never meets freed memory and never waits.
///
/// Names are stored in NFC and looked up in NFC, so two spellings that `String`'s `==` takes as
/// one (canonically equivalent) find the same slot. The hash is ``FastHash``'s, seeded per
/// process; names are inserted only by registrations (the host's code and configuration), so a
/// request's name costs at most one probe sequence among them and never grows the table.
final class NameIndex: @unchecked Sendable {
    /// The current table: the address of a buffer whose word 0 is its capacity (a power of two)
    /// and whose words 1... are its entries.
    let table: Atomic<UInt>
    /// ``FastHash/basis``, copied: reading the lazily initialized global costs a call per hash.
    let hashBasis = FastHash.basis

    /// Writer-only state.
    private var tables: [(buffer: UnsafeMutablePointer<Atomic<UInt>>, words: Int)] = []
    private var arenas: [UnsafeMutableRawPointer] = []
    private var arenaNext: UnsafeMutableRawPointer?
    private var arenaEnd: UnsafeMutableRawPointer?
    /// Names in the index.
    private(set) var count = 0

    static let headerBytes = 24
    static let arenaBytes = 64 * 1024

    init(capacity: Int = 16) {
        let initial = Self.makeTable(capacity: capacity)
        tables = [initial]
        table = Atomic(UInt(bitPattern: initial.buffer))
    }

    deinit {
        for (buffer, words) in tables {
            buffer.deinitialize(count: words)
            buffer.deallocate()
        }
        for arena in arenas { arena.deallocate() }
    }

    // MARK: Reads (any thread, no lock)

    /// The slot index of `name`, or `nil` when no component has that name.
    /// - Complexity: O(length of `name`) plus a probe sequence, expected O(1).
    func index(of name: String) -> Int32? {
        var name = name
        let basis = hashBasis
        let (found, ascii) = name.withUTF8 { bytes in
            let (hash, ascii) = FastHash.wordHashReportingASCII(bytes, basis: basis)
            return (Self.find(bytes, hash: hash, in: table.load(ordering: .acquiring)), ascii)
        }
        // ASCII is NFC already; other text may be spelled otherwise.
        if found != nil || ascii { return found }
        var normalized = ExactText.normalized(name)
        return normalized.withUTF8 { bytes in
            let hash = FastHash.wordHashReportingASCII(bytes, basis: basis).hash
            return Self.find(bytes, hash: hash, in: table.load(ordering: .acquiring))
        }
    }

    static func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64, in tableBits: UInt) -> Int32? {
        let words = UnsafePointer<Atomic<UInt>>(bitPattern: tableBits)!
        let mask = Int(words[0].load(ordering: .relaxed)) - 1
        var position = Int(truncatingIfNeeded: hash) & mask
        while true {
            let bits = words[1 + position].load(ordering: .acquiring)
            guard let record = UnsafeRawPointer(bitPattern: bits) else { return nil }
            if record.load(as: UInt64.self) == hash,
                record.load(fromByteOffset: 16, as: Int.self) == bytes.count,
                bytes.count == 0
                    || ExactBytes.same(
                        (record + headerBytes).assumingMemoryBound(to: UInt8.self),
                        bytes.baseAddress!,
                        bytes.count
                    )
            {
                return Int32(truncatingIfNeeded: record.load(fromByteOffset: 8, as: Int.self))
            }
            position = (position + 1) & mask
        }
    }

    // MARK: Writes (under the loader's lock)

    /// Adds `name` for the slot `index`. The name must not be in the index yet.
    func insert(_ name: String, index: Int32) {
        var name = ExactText.normalized(name)
        name.withUTF8 { bytes in
            let hash = FastHash.wordHashReportingASCII(bytes, basis: hashBasis).hash
            let record = allocateRecord(bytes.count)
            record.storeBytes(of: hash, as: UInt64.self)
            record.storeBytes(of: Int(index), toByteOffset: 8, as: Int.self)
            record.storeBytes(of: bytes.count, toByteOffset: 16, as: Int.self)
            if let base = bytes.baseAddress {
                (record + Self.headerBytes).copyMemory(from: base, byteCount: bytes.count)
            }
            count += 1
            if count * 2 > capacity { grow(to: capacity * 2) }
            Self.place(record, hash: hash, in: current)
        }
    }

    /// Makes room for `total` names without growing again.
    func reserve(_ total: Int) {
        var wanted = capacity
        while total * 2 > wanted { wanted *= 2 }
        if wanted > capacity { grow(to: wanted) }
    }

    private var current: UnsafeMutablePointer<Atomic<UInt>> {
        UnsafeMutablePointer(bitPattern: table.load(ordering: .relaxed))!
    }

    /// Entries in the current table.
    var capacity: Int { Int(current[0].load(ordering: .relaxed)) }

    /// Publishes `record` in the first empty entry of its probe sequence.
    private static func place(
        _ record: UnsafeMutableRawPointer,
        hash: UInt64,
        in words: UnsafeMutablePointer<Atomic<UInt>>
    ) {
        let mask = Int(words[0].load(ordering: .relaxed)) - 1
        var position = Int(truncatingIfNeeded: hash) & mask
        while words[1 + position].load(ordering: .relaxed) != 0 { position = (position + 1) & mask }
        words[1 + position].store(UInt(bitPattern: record), ordering: .releasing)
    }

    /// Builds a table of `newCapacity` entries holding every record, then publishes it.
    private func grow(to newCapacity: Int) {
        let old = current
        let oldCapacity = Int(old[0].load(ordering: .relaxed))
        let new = Self.makeTable(capacity: newCapacity)
        for position in 0..<oldCapacity {
            let bits = old[1 + position].load(ordering: .relaxed)
            guard let record = UnsafeMutableRawPointer(bitPattern: bits) else { continue }
            Self.place(record, hash: record.load(as: UInt64.self), in: new.buffer)
        }
        tables.append(new)
        table.store(UInt(bitPattern: new.buffer), ordering: .releasing)
    }

    private func allocateRecord(_ byteCount: Int) -> UnsafeMutableRawPointer {
        let size = (Self.headerBytes + byteCount + 7) & ~7
        if size > Self.arenaBytes / 4 {
            let record = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            arenas.append(record)
            return record
        }
        if let next = arenaNext, let end = arenaEnd, end - next >= size {
            arenaNext = next + size
            return next
        }
        let arena = UnsafeMutableRawPointer.allocate(byteCount: Self.arenaBytes, alignment: 8)
        arenas.append(arena)
        arenaNext = arena + size
        arenaEnd = arena + Self.arenaBytes
        return arena
    }

    private static func makeTable(capacity: Int) -> (buffer: UnsafeMutablePointer<Atomic<UInt>>, words: Int) {
        var size = 16
        while size < capacity { size *= 2 }
        let buffer = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: size + 1)
        (buffer + 0).initialize(to: Atomic(UInt(size)))
        for position in 1...size { (buffer + position).initialize(to: Atomic(0)) }
        return (buffer, size + 1)
    }
}
