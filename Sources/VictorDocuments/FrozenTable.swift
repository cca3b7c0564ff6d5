/// An immutable open-addressing table keyed by precomputed ``FastHash`` values. A probe reads
/// one flat array of slots (the hash tag, the value and where the key is) and, on a tag match,
/// compares the key kept in a dense side array; no hasher runs. With a trivially copyable value,
/// reading a slot copies no references.
public struct FrozenTable<Key: Sendable, Value: Sendable>: Sendable {
    @usableFromInline
    struct Slot: Sendable {
        /// The key's hash with the low bit set; 0 marks an empty slot.
        @usableFromInline let tag: UInt64
        /// The key's position in the key array.
        @usableFromInline let key: Int32
        @usableFromInline let value: Value?

        @usableFromInline
        init(tag: UInt64, key: Int32, value: Value?) {
            self.tag = tag
            self.key = key
            self.value = value
        }
    }

    @usableFromInline let slots: [Slot]
    @usableFromInline let keys: [Key]
    @usableFromInline let mask: Int

    /// Builds the table from distinct keys with their hashes.
    /// - Complexity: O(entries).
    // Inlinable, so a client builds its tables specialized to its key and value types instead of
    // copying every slot through the generic value witnesses.
    @inlinable
    public init(_ entries: [(hash: UInt64, key: Key, value: Value)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(tag: 0, key: 0, value: nil), count: capacity)
        let mask = capacity - 1
        for (position, entry) in entries.enumerated() {
            var index = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[index].tag != 0 { index = (index + 1) & mask }
            slots[index] = Slot(tag: entry.hash | 1, key: Int32(position), value: entry.value)
        }
        self.slots = slots
        keys = entries.map(\.key)
        self.mask = mask
    }

    /// How many entries the table holds.
    public var count: Int { keys.count }

    /// The value of the key with hash `hash` for which `matches` holds.
    @inlinable @inline(__always)
    public func find(_ hash: UInt64, _ matches: (borrowing Key) -> Bool) -> Value? {
        let tag = hash | 1
        var index = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            keys.withUnsafeBufferPointer { keys in
                while true {
                    let found = slots[index].tag
                    if found == 0 { return nil }
                    if found == tag, matches(keys[Int(slots[index].key)]) { return slots[index].value }
                    index = (index + 1) & mask
                }
            }
        }
    }
}
