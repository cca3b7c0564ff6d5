/// An immutable open-addressing table keyed by precomputed ``FastHash`` values: a lookup is a
/// probe of one flat array (tag, key and value side by side, so usually one cache line) and one
/// key comparison, with no hasher run.
struct FrozenTable<Key: Sendable, Value: Sendable>: Sendable {
    struct Slot: Sendable {
        let tag: UInt64
        let entry: (key: Key, value: Value)?
    }

    private let slots: [Slot]
    private let mask: Int
    let count: Int

    /// Builds the table from distinct keys with their hashes.
    /// - Complexity: O(entries).
    init(_ entries: [(hash: UInt64, key: Key, value: Value)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(tag: 0, entry: nil), count: capacity)
        let mask = capacity - 1
        for entry in entries {
            var index = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[index].tag != 0 { index = (index + 1) & mask }
            slots[index] = Slot(tag: entry.hash | 1, entry: (entry.key, entry.value))
        }
        self.slots = slots
        self.mask = mask
        count = entries.count
    }

    /// The value of the key with hash `hash` for which `matches` holds.
    @inline(__always)
    func find(_ hash: UInt64, _ matches: (Key) -> Bool) -> Value? {
        let tag = hash | 1
        var index = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let found = slots[index].tag
                if found == 0 { return nil }
                if found == tag, let entry = slots[index].entry, matches(entry.key) { return entry.value }
                index = (index + 1) & mask
            }
        }
    }
}
