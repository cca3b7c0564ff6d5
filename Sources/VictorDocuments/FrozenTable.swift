/// An immutable open-addressing table keyed by precomputed ``FastHash`` values. A probe reads
/// one flat array of slots (the hash tag, the value and where the key is) and, on a tag match,
/// compares the key kept in a dense side array; no hasher runs. With a trivially copyable value,
/// reading a slot copies no references.
public struct FrozenTable<Key: Sendable, Value: Sendable>: Sendable {
    public struct Slot: Sendable {
        /// The key's hash with the low bit set; 0 marks an empty slot.
        public let tag: UInt64
        /// The key's position in the key array.
        public let key: Int32
        public let value: Value?
    }

    public let slots: [Slot]
    public let keys: [Key]
    public let mask: Int

    /// Builds the table from distinct keys with their hashes.
    /// - Complexity: O(entries).
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

    private init(slots: [Slot], keys: [Key], mask: Int) {
        self.slots = slots
        self.keys = keys
        self.mask = mask
    }

    /// The same keys, laid out as here, with each value transformed.
    /// - Complexity: O(capacity).
    public func mapValues<T>(_ transform: (Value) -> T) -> FrozenTable<Key, T> {
        FrozenTable<Key, T>(
            slots: slots.map { .init(tag: $0.tag, key: $0.key, value: $0.value.map(transform)) },
            keys: keys,
            mask: mask
        )
    }

    /// How many entries the table holds.
    public var count: Int { keys.count }

    /// The value of the key with hash `hash` for which `matches` holds.
    @inlinable @inline(__always)
    public func find(_ hash: UInt64, _ matches: (borrowing Key) -> Bool) -> Value? {
        find(hash, matches) { copy $0 }
    }
}

extension FrozenTable {
    /// What `read` makes of the value of the key with hash `hash` for which `matches` holds,
    /// reading the value in place: no copy of it, so no reference count changes for a field read.
    @inlinable @inline(__always)
    public func find<Result>(
        _ hash: UInt64,
        _ matches: (borrowing Key) -> Bool,
        reading read: (borrowing Value) -> Result
    ) -> Result? {
        let tag = hash | 1
        var index = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            keys.withUnsafeBufferPointer { keys in
                while true {
                    let found = slots[index].tag
                    if found == 0 { return nil }
                    if found == tag, matches(keys[Int(slots[index].key)]), let value = slots[index].value {
                        return read(value)
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }
}
