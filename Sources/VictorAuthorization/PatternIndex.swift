/// The string hash of the check path: FNV-1a over the UTF-8 bytes with a per-process random
/// seed, then a 64-bit finalizer. Much cheaper than `Hasher` for the short names of a request,
/// and computed once per name per check. The tables it feeds are built from the configuration
/// and never grow from requests, so crafted request names cannot degrade them.
enum FastHash {
    static let seed = UInt64.random(in: .min ... .max) | 1

    @inline(__always)
    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
            for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
            return finalize(h)
        }
    }

    @inline(__always)
    static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        finalize(a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019))
    }

    @inline(__always)
    static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A string with its hash computed once, so several lookups hash it only once.
struct HashedKey: Hashable, Sendable {
    let text: String
    let hash: UInt64

    @inline(__always)
    init(_ text: String) {
        self.text = text
        hash = FastHash.hash(text)
    }

    @inline(__always)
    static func == (lhs: HashedKey, rhs: HashedKey) -> Bool { lhs.hash == rhs.hash && lhs.text == rhs.text }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// A resource/action pair with its hashes computed once.
struct PairKey: Hashable, Sendable {
    let resource: HashedKey
    let action: HashedKey
    let hash: UInt64

    @inline(__always)
    init(resource: String, action: String) {
        self.resource = HashedKey(resource)
        self.action = HashedKey(action)
        hash = FastHash.combine(self.resource.hash, self.action.hash)
    }

    @inline(__always)
    static func == (lhs: PairKey, rhs: PairKey) -> Bool {
        lhs.hash == rhs.hash && lhs.resource.text == rhs.resource.text && lhs.action.text == rhs.action.text
    }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// An immutable open-addressing table keyed by precomputed ``FastHash`` values: a lookup is a
/// probe of one flat array (tag, key and value side by side, so usually one cache line) and one
/// key comparison, with no hasher run.
struct FrozenTable<Key: Equatable & Sendable, Value: Sendable>: Sendable {
    struct Slot: Sendable {
        let tag: UInt64
        let entry: (key: Key, value: Value)?
    }

    private let slots: [Slot]
    private let mask: Int
    let count: Int

    /// Builds the table from distinct keys with their hashes.
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

/// A resource or action pattern: an exact name, `*`, or a prefix ending in `*`.
enum Pattern: Sendable, Hashable {
    case exact(String)
    case any
    case prefix(String)

    init(_ text: String) {
        if text == "*" {
            self = .any
        } else if text.hasSuffix("*") {
            self = .prefix(String(text.dropLast()))
        } else {
            self = .exact(text)
        }
    }

    @inline(__always)
    func matches(_ name: String) -> Bool {
        switch self {
        case .exact(let text): name == text
        case .any: true
        case .prefix(let prefix): name.hasPrefix(prefix)
        }
    }
}

/// Items (policies, grants) filed by their resource and action patterns, so that the items that
/// may match a request are found with a few table probes instead of a scan.
///
/// Buckets: exact resource and action; exact resource with any action; any resource with exact
/// action; any resource and action. Patterns with a prefix on either side go to a short list
/// tested one by one. Within each bucket, items keep insertion order.
final class PatternIndex<Item: Sendable>: Sendable {
    /// Collects items before the index is frozen.
    struct Builder {
        var exact: [PairKey: [Item]] = [:]
        var anyAction: [HashedKey: [Item]] = [:]
        var anyResource: [HashedKey: [Item]] = [:]
        var anything: [Item] = []
        var patterned: [(resource: Pattern, action: Pattern, item: Item)] = []
        var count = 0

        mutating func insert(resource: String, action: String, _ item: Item) {
            count += 1
            switch (Pattern(resource), Pattern(action)) {
            case (.exact(let r), .exact(let a)): exact[PairKey(resource: r, action: a), default: []].append(item)
            case (.exact(let r), .any): anyAction[HashedKey(r), default: []].append(item)
            case (.any, .exact(let a)): anyResource[HashedKey(a), default: []].append(item)
            case (.any, .any): anything.append(item)
            case (let r, let a): patterned.append((r, a, item))
            }
        }
    }

    private let exact: FrozenTable<PairKey, [Item]>
    private let anyAction: FrozenTable<String, [Item]>
    private let anyResource: FrozenTable<String, [Item]>
    private let anything: [Item]
    private let patterned: [(resource: Pattern, action: Pattern, item: Item)]
    private let hasWildcardBuckets: Bool
    let count: Int

    init(_ builder: Builder) {
        exact = FrozenTable(builder.exact.map { ($0.key.hash, $0.key, $0.value) })
        anyAction = FrozenTable(builder.anyAction.map { ($0.key.hash, $0.key.text, $0.value) })
        anyResource = FrozenTable(builder.anyResource.map { ($0.key.hash, $0.key.text, $0.value) })
        anything = builder.anything
        patterned = builder.patterned
        hasWildcardBuckets = !builder.anyAction.isEmpty || !builder.anyResource.isEmpty
        count = builder.count
    }

    var isEmpty: Bool { count == 0 }

    /// Calls `body` with every item whose patterns match the request, bucket by bucket, until it
    /// returns `true`.
    @inline(__always)
    func forEachCandidate(_ key: PairKey, _ body: (Item) -> Bool) {
        if count == 0 { return }
        if let items = exact.find(
            key.hash,
            { $0.resource.text == key.resource.text && $0.action.text == key.action.text }
        ) {
            for item in items where body(item) { return }
        }
        if hasWildcardBuckets {
            if anyAction.count > 0, let items = anyAction.find(key.resource.hash, { $0 == key.resource.text }) {
                for item in items where body(item) { return }
            }
            if anyResource.count > 0, let items = anyResource.find(key.action.hash, { $0 == key.action.text }) {
                for item in items where body(item) { return }
            }
        }
        for item in anything where body(item) { return }
        for entry in patterned where entry.resource.matches(key.resource.text) && entry.action.matches(key.action.text)
        {
            if body(entry.item) { return }
        }
    }
}
