/// An immutable open-addressing table from names (or pairs of names) to trivially copyable
/// values, keyed by precomputed ``FastHash`` values. The slots and the keys' bytes live in two
/// flat buffers the table owns, so a probe reads plain memory: no hasher runs, no key is
/// copied and no reference is counted. A probe compares the hash tag first and the key's UTF-8
/// bytes only on a tag match.
final class FrozenTable<Value: BitwiseCopyable & Sendable>: @unchecked Sendable {
    // @unchecked: the buffers are written once, in init, and only read afterwards.

    struct Slot {
        /// The key's hash with the low bit set; 0 marks an empty slot.
        let tag: UInt64
        /// Where the key's bytes start in ``bytes``: the first name, then the second.
        let offset: Int32
        let firstLength: Int32
        /// The second name's length; 0 for a key of one name.
        let secondLength: Int32
        let value: Value?
    }

    private let slots: UnsafeMutableBufferPointer<Slot>
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let mask: Int
    /// How many entries the table holds.
    let count: Int

    /// Builds a table of one-name keys from distinct names with their hashes.
    /// - Complexity: O(entries + their bytes).
    convenience init(_ entries: [(hash: UInt64, key: String, value: Value)]) {
        self.init(pairs: entries.map { ($0.hash, $0.key, "", $0.value) })
    }

    /// Builds a table of two-name keys from distinct pairs with their hashes. A key of one name
    /// is a pair whose second name is empty.
    /// - Complexity: O(entries + their bytes).
    init(pairs entries: [(hash: UInt64, first: String, second: String, value: Value)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity <<= 1 }
        let slots = UnsafeMutableBufferPointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot(tag: 0, offset: 0, firstLength: 0, secondLength: 0, value: nil))
        var arena: [UInt8] = []
        let mask = capacity - 1
        for entry in entries {
            var index = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[index].tag != 0 { index = (index + 1) & mask }
            let offset = Int32(arena.count)
            arena.append(contentsOf: entry.first.utf8)
            arena.append(contentsOf: entry.second.utf8)
            slots[index] = Slot(
                tag: entry.hash | 1,
                offset: offset,
                firstLength: Int32(entry.first.utf8.count),
                secondLength: Int32(entry.second.utf8.count),
                value: entry.value
            )
        }
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, arena.count))
        _ = bytes.initialize(from: arena)
        self.slots = slots
        self.bytes = bytes
        self.mask = mask
        count = entries.count
    }

    deinit {
        slots.deallocate()
        bytes.deallocate()
    }

    /// The value of the one-name key `name` with hash `hash`.
    @inline(__always)
    func find(_ hash: UInt64, _ name: UnsafeBufferPointer<UInt8>) -> Value? {
        find(hash) { slot in
            slot.secondLength == 0 && Int(slot.firstLength) == name.count
                && ExactBytes.same(bytes.baseAddress! + Int(slot.offset), name.baseAddress, name.count)
        }
    }

    /// The value of the pair key (`first`, `second`) with hash `hash`.
    @inline(__always)
    func find(_ hash: UInt64, _ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> Value? {
        find(hash) { slot in
            Int(slot.firstLength) == first.count && Int(slot.secondLength) == second.count
                && ExactBytes.same(bytes.baseAddress! + Int(slot.offset), first.baseAddress, first.count)
                && ExactBytes.same(
                    bytes.baseAddress! + Int(slot.offset) + first.count,
                    second.baseAddress,
                    second.count
                )
        }
    }

    /// The value of the one-name key `name`.
    @inline(__always)
    func find(_ name: RawName) -> Value? {
        find(name.hash, name.bytes)
    }

    /// The value of the pair key `pair`.
    @inline(__always)
    func find(_ pair: RawPair) -> Value? {
        find(pair.hash, pair.resource.bytes, pair.action.bytes)
    }

    @inline(__always)
    private func find(_ hash: UInt64, matching matches: (Slot) -> Bool) -> Value? {
        let tag = hash | 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot.tag == 0 { return nil }
            if slot.tag == tag, matches(slot) { return slot.value }
            index = (index + 1) & mask
        }
    }
}
