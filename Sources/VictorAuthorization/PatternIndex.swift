/// A resource or action pattern: an exact name, `*`, or a prefix ending in `*`. Matching compares
/// Unicode scalars (UTF-8 bytes): `secret/*` matches `secret/\u{301}x`, whose first scalars are
/// `secret/`, although `/\u{301}` is one grapheme cluster.
enum Pattern: Sendable, Hashable {
    case exact(String)
    case any
    case prefix(String)

    /// Reads a pattern already in NFC.
    init(_ text: String) {
        let bytes = text.utf8
        if bytes.last == UInt8(ascii: "*") {
            self = bytes.count == 1 ? .any : .prefix(String(decoding: bytes.dropLast(), as: UTF8.self))
        } else {
            self = .exact(text)
        }
    }

    @inline(__always)
    func matches(_ name: String) -> Bool {
        switch self {
        case .exact(let text): ExactBytes.equal(name, text)
        case .any: true
        case .prefix(let prefix): ExactBytes.hasPrefix(name, prefix)
        }
    }

    static func == (lhs: Pattern, rhs: Pattern) -> Bool {
        switch (lhs, rhs) {
        case (.any, .any): true
        case (.exact(let a), .exact(let b)), (.prefix(let a), .prefix(let b)): ExactBytes.equal(a, b)
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .any: hasher.combine(0)
        case .exact(let text): hasher.combine(FastHash.hash(text))
        case .prefix(let text): hasher.combine(~FastHash.hash(text))
        }
    }
}

/// Items (policies, grants) filed by their resource and action patterns, so that the items that
/// may match a request are found with a few table probes, never a scan of every item.
///
/// Buckets, tried in this order: exact resource and action; exact resource with any action; any
/// resource with exact action; any resource and action; a resource prefix (one probe per distinct
/// prefix length, shortest first); an action prefix with an exact or any resource (likewise).
/// Within a bucket, items keep insertion order; the order of the buckets and within them is the
/// order ``forEachCandidate(_:_:)`` offers items in.
final class PatternIndex<Item: Sendable>: Sendable {
    /// Collects items before the index is frozen.
    struct Builder {
        var exact: [PairKey: [Item]] = [:]
        var anyAction: [HashedKey: [Item]] = [:]
        var anyResource: [HashedKey: [Item]] = [:]
        var anything: [Item] = []
        var resourcePrefix: [HashedKey: [(action: Pattern, item: Item)]] = [:]
        var actionPrefix: [HashedKey: [(resource: Pattern, item: Item)]] = [:]
        var count = 0

        /// Files `item` under patterns already in NFC.
        mutating func insert(resource: String, action: String, _ item: Item) {
            count += 1
            switch (Pattern(resource), Pattern(action)) {
            case (.exact(let r), .exact(let a)): exact[PairKey(resource: r, action: a), default: []].append(item)
            case (.exact(let r), .any): anyAction[HashedKey(r), default: []].append(item)
            case (.any, .exact(let a)): anyResource[HashedKey(a), default: []].append(item)
            case (.any, .any): anything.append(item)
            case (.prefix(let r), let a): resourcePrefix[HashedKey(r), default: []].append((a, item))
            case (let r, .prefix(let a)): actionPrefix[HashedKey(a), default: []].append((r, item))
            }
        }
    }

    /// A table of items keyed by name prefixes, with the distinct prefix lengths it holds.
    struct PrefixTable<Entry: Sendable>: Sendable {
        let table: FrozenTable<String, [Entry]>
        /// Distinct prefix lengths in bytes, ascending.
        let lengths: [Int]

        init(_ buckets: [HashedKey: [Entry]]) {
            table = FrozenTable(buckets.map { ($0.key.hash, $0.key.text, $0.value) })
            lengths = Set(buckets.keys.map(\.text.utf8.count)).sorted()
        }

        /// Calls `body` with the entries of every prefix of `name`, shortest first, until it
        /// returns `true`. - Returns: whether it did.
        @inline(__always)
        func forEachPrefix(of name: String, _ body: ([Entry]) -> Bool) -> Bool {
            if lengths.isEmpty { return false }
            var name = name
            return name.withUTF8 { bytes in
                var state = FastHash.basis
                var consumed = 0
                for length in lengths {
                    if length > bytes.count { return false }
                    while consumed < length {
                        state = FastHash.step(state, bytes[consumed])
                        consumed += 1
                    }
                    let entries = table.find(FastHash.finalize(state)) {
                        ExactBytes.equal($0, prefixOf: bytes, length: length)
                    }
                    if let entries, body(entries) { return true }
                }
                return false
            }
        }
    }

    private let exact: FrozenTable<PairKey, [Item]>
    private let anyAction: FrozenTable<String, [Item]>
    private let anyResource: FrozenTable<String, [Item]>
    private let anything: [Item]
    private let resourcePrefix: PrefixTable<(action: Pattern, item: Item)>
    private let actionPrefix: PrefixTable<(resource: Pattern, item: Item)>
    private let hasWildcardBuckets: Bool
    private let hasPrefixBuckets: Bool
    let count: Int

    /// - Complexity: O(items).
    init(_ builder: Builder) {
        exact = FrozenTable(builder.exact.map { ($0.key.hash, $0.key, $0.value) })
        anyAction = FrozenTable(builder.anyAction.map { ($0.key.hash, $0.key.text, $0.value) })
        anyResource = FrozenTable(builder.anyResource.map { ($0.key.hash, $0.key.text, $0.value) })
        anything = builder.anything
        resourcePrefix = PrefixTable(builder.resourcePrefix)
        actionPrefix = PrefixTable(builder.actionPrefix)
        hasWildcardBuckets = !builder.anyAction.isEmpty || !builder.anyResource.isEmpty
        hasPrefixBuckets = !builder.resourcePrefix.isEmpty || !builder.actionPrefix.isEmpty
        count = builder.count
    }

    var isEmpty: Bool { count == 0 }

    /// Calls `body` with every item whose patterns match the request, bucket by bucket, until it
    /// returns `true`.
    /// - Complexity: O(1) probes per exact bucket, one per distinct prefix length for the prefix
    ///   buckets, plus the items offered.
    @inline(__always)
    func forEachCandidate(_ key: PairKey, _ body: (Item) -> Bool) {
        if count == 0 { return }
        if let items = exact.find(key.hash, { $0 == key }) {
            for item in items where body(item) { return }
        }
        if hasWildcardBuckets {
            if anyAction.count > 0,
                let items = anyAction.find(key.resource.hash, { ExactBytes.equal($0, key.resource.text) })
            {
                for item in items where body(item) { return }
            }
            if anyResource.count > 0,
                let items = anyResource.find(key.action.hash, { ExactBytes.equal($0, key.action.text) })
            {
                for item in items where body(item) { return }
            }
        }
        for item in anything where body(item) { return }
        if hasPrefixBuckets {
            let byResource = resourcePrefix.forEachPrefix(of: key.resource.text) { entries in
                for entry in entries where entry.action.matches(key.action.text) {
                    if body(entry.item) { return true }
                }
                return false
            }
            if byResource { return }
            _ = actionPrefix.forEachPrefix(of: key.action.text) { entries in
                for entry in entries where entry.resource.matches(key.resource.text) {
                    if body(entry.item) { return true }
                }
                return false
            }
        }
    }
}
