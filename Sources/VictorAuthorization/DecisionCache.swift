import VictorLocks

/// Decisions by (user, resource, action), valid for one snapshot generation.
///
/// Sharded by key hash so concurrent checks rarely meet on a lock. A shard holds entries of a
/// single generation: a lookup under another generation misses, and an insert under a newer one
/// empties the shard first, so a change invalidates every cached decision at once without
/// visiting them. An insert under an older generation (a check that raced a change) is dropped.
/// Only decisions that did not read the request's context are stored, so the context need not
/// be part of the key.
final class DecisionCache: Sendable {
    struct Key: Hashable, Sendable {
        let user: HashedKey
        let pair: PairKey

        @inline(__always)
        static func == (lhs: Key, rhs: Key) -> Bool { lhs.pair == rhs.pair && lhs.user == rhs.user }

        @inline(__always)
        func hash(into hasher: inout Hasher) { hasher.combine(pair.hash ^ (user.hash &* 31)) }

        var shardHash: Int { Int(truncatingIfNeeded: (pair.hash ^ user.hash) >> 32) }
    }

    struct Shard {
        var generation: UInt64 = 0
        var entries: [Key: Decision] = [:]
    }

    final class Box: Sendable {
        let shard = Locked(Shard())
    }

    private let shards: [Box]
    private let mask: Int
    private let capacityPerShard: Int

    /// - Parameter capacity: the most decisions kept; a full shard is emptied before inserting.
    init(capacity: Int, shardCount: Int = 16) {
        let count = max(1, shardCount).nextPowerOfTwo
        shards = (0..<count).map { _ in Box() }
        mask = count - 1
        capacityPerShard = max(1, capacity / count)
    }

    @inline(__always)
    func lookup(_ key: Key, generation: UInt64) -> Decision? {
        shards[key.shardHash & mask].shard.withLock { shard in
            shard.generation == generation ? shard.entries[key] : nil
        }
    }

    @inline(__always)
    func insert(_ key: Key, _ decision: Decision, generation: UInt64) {
        shards[key.shardHash & mask].shard.withLock { shard in
            if shard.generation != generation {
                guard generation > shard.generation else { return }
                shard.entries.removeAll(keepingCapacity: true)
                shard.generation = generation
            }
            if shard.entries.count >= capacityPerShard { shard.entries.removeAll(keepingCapacity: true) }
            shard.entries[key] = decision
        }
    }

    /// Decisions currently cached for `generation`.
    func count(generation: UInt64) -> Int {
        shards.reduce(0) { total, box in
            total + box.shard.withLock { $0.generation == generation ? $0.entries.count : 0 }
        }
    }
}

extension Int {
    fileprivate var nextPowerOfTwo: Int {
        var value = 1
        while value < self { value <<= 1 }
        return value
    }
}
