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
    func matches(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .exact(let text): ExactBytes.equal(text, prefixOf: name, length: name.count)
        case .any: true
        case .prefix(let prefix): ExactBytes.equal(prefix, prefixOf: name, length: prefix.utf8.count)
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

/// Tags a ``PatternIndex`` walk accepts: a user's roles, for role grants tagged with the role
/// defining them.
protocol TagSet {
    func contains(_ tag: Int32) -> Bool
}

/// Every tag.
struct AnyTag: TagSet {
    @inline(__always)
    func contains(_ tag: Int32) -> Bool { true }
}

/// A run of items in a ``PatternIndex``'s flat item array.
struct Span: Sendable {
    let start: Int32
    let count: Int32
}

/// Items (policies, grants) filed by their resource and action patterns, so that the items that
/// may match a request are found with a few table probes, never a scan of every item.
///
/// Buckets, tried in this order: exact resource and action; exact resource with any action; any
/// resource with exact action; any resource and action; a resource prefix (one probe per distinct
/// prefix length, shortest first); an action prefix with an exact or any resource (likewise).
/// Within a bucket, items keep insertion order; the order of the buckets and within them is the
/// order ``forEachCandidate(_:_:)`` offers items in.
///
/// The tables map keys to runs (``Span``) of one flat array of items, so that their layout does
/// not depend on the item type.
final class PatternIndex<Item: AnyObject & Sendable>: @unchecked Sendable {
    // @unchecked: the item and tag buffers are written once, in init, and only read afterwards.

    /// Collects items before the index is frozen.
    struct Builder {
        var exact: [PairKey: [Tagged]] = [:]
        var anyAction: [HashedKey: [Tagged]] = [:]
        var anyResource: [HashedKey: [Tagged]] = [:]
        var anything: [Tagged] = []
        var resourcePrefix: [HashedKey: [(other: Pattern, item: Tagged)]] = [:]
        var actionPrefix: [HashedKey: [(other: Pattern, item: Tagged)]] = [:]
        var count = 0

        /// Files `item` under patterns already in NFC, with a tag a walk can filter on before
        /// reading the item (a grant's role).
        mutating func insert(resource: String, action: String, tag: Int32 = 0, _ item: Item) {
            count += 1
            let tagged = Tagged(tag: tag, item: item)
            switch (Pattern(resource), Pattern(action)) {
            case (.exact(let r), .exact(let a)): exact[PairKey(resource: r, action: a), default: []].append(tagged)
            case (.exact(let r), .any): anyAction[HashedKey(r), default: []].append(tagged)
            case (.any, .exact(let a)): anyResource[HashedKey(a), default: []].append(tagged)
            case (.any, .any): anything.append(tagged)
            case (.prefix(let r), let a): resourcePrefix[HashedKey(r), default: []].append((a, tagged))
            case (let r, .prefix(let a)): actionPrefix[HashedKey(a), default: []].append((r, tagged))
            }
        }
    }

    /// An item with its tag.
    struct Tagged {
        let tag: Int32
        let item: Item
    }

    /// A table of items keyed by name prefixes, with the distinct prefix lengths it holds. Each
    /// item carries the pattern of its other side (the action for a resource prefix).
    struct PrefixTable: Sendable {
        let table: FrozenTable<Span>
        /// Distinct prefix lengths in bytes, ascending.
        let lengths: [Int]

        init(
            _ buckets: [HashedKey: [(other: Pattern, item: Tagged)]],
            into items: inout [Tagged],
            _ others: inout [Pattern]
        ) {
            table = FrozenTable(
                buckets.map { key, entries in
                    let span = Span(start: Int32(items.count), count: Int32(entries.count))
                    for entry in entries {
                        items.append(entry.item)
                        others.append(entry.other)
                    }
                    return (FastHash.prefixHash(key.text), key.text, span)
                }
            )
            lengths = Set(buckets.keys.map(\.text.utf8.count)).sorted()
        }

        /// Calls `body` with the span of every prefix of `name` in the table, shortest first,
        /// until it returns `true`. - Returns: whether it did.
        @inline(__always)
        func forEachPrefix(of bytes: UnsafeBufferPointer<UInt8>, _ body: (Span) -> Bool) -> Bool {
            if lengths.isEmpty { return false }
            var state = FastHash.prefixBasis
            var consumed = 0
            for length in lengths {
                if length > bytes.count { return false }
                while consumed < length {
                    state = FastHash.step(state, bytes[consumed])
                    consumed += 1
                }
                let span = table.find(FastHash.finalize(state), UnsafeBufferPointer(rebasing: bytes[..<length]))
                if let span, body(span) { return true }
            }
            return false
        }
    }

    // Flat buffers rather than arrays: a walk reads them without counting references. The index
    // holds one reference to each item, taken in init and given back in deinit, and lends items
    // to a walk's body without another: two threads walking one index write nothing shared.
    private let items: UnsafeMutableBufferPointer<Unmanaged<Item>>
    /// Each item's tag, at the item's index.
    private let tags: UnsafeMutableBufferPointer<Int32>
    /// For items of the prefix tables (from ``prefixStart`` on): the pattern of the other side.
    private let others: [Pattern]
    private let prefixStart: Int
    private let exact: FrozenTable<Span>
    private let anyAction: FrozenTable<Span>
    private let anyResource: FrozenTable<Span>
    private let anything: Span
    private let resourcePrefix: PrefixTable
    private let actionPrefix: PrefixTable
    private let hasWildcardBuckets: Bool
    private let hasPrefixBuckets: Bool
    let count: Int

    /// - Complexity: O(items).
    init(_ builder: Builder) {
        var items: [Tagged] = []
        items.reserveCapacity(builder.count)
        func spans<Key>(_ buckets: [Key: [Tagged]]) -> [(Key, Span)] {
            buckets.map { key, bucket in
                let span = Span(start: Int32(items.count), count: Int32(bucket.count))
                items.append(contentsOf: bucket)
                return (key, span)
            }
        }
        exact = FrozenTable(pairs: spans(builder.exact).map { ($0.0.hash, $0.0.resource.text, $0.0.action.text, $0.1) })
        anyAction = FrozenTable(spans(builder.anyAction).map { ($0.0.hash, $0.0.text, $0.1) })
        anyResource = FrozenTable(spans(builder.anyResource).map { ($0.0.hash, $0.0.text, $0.1) })
        anything = Span(start: Int32(items.count), count: Int32(builder.anything.count))
        items.append(contentsOf: builder.anything)
        prefixStart = items.count
        var others: [Pattern] = []
        resourcePrefix = PrefixTable(builder.resourcePrefix, into: &items, &others)
        actionPrefix = PrefixTable(builder.actionPrefix, into: &items, &others)
        self.items = .allocate(capacity: items.count)
        _ = self.items.initialize(from: items.map { Unmanaged.passRetained($0.item) })
        tags = .allocate(capacity: items.count)
        _ = tags.initialize(from: items.map(\.tag))
        self.others = others
        hasWildcardBuckets = !builder.anyAction.isEmpty || !builder.anyResource.isEmpty
        hasPrefixBuckets = !builder.resourcePrefix.isEmpty || !builder.actionPrefix.isEmpty
        count = builder.count
    }

    deinit {
        for item in items { item.release() }
        items.deallocate()
        tags.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    /// Calls `body` with each item of `span` whose tag `tags` holds, until it returns `true`.
    /// - Returns: whether it did.
    @inline(__always)
    private func offer(_ span: Span, _ tags: some TagSet, _ body: (Item) -> Bool) -> Bool {
        var index = Int(span.start)
        let end = index + Int(span.count)
        while index < end {
            if tags.contains(self.tags[index]), items[index]._withUnsafeGuaranteedRef(body) { return true }
            index += 1
        }
        return false
    }

    /// Calls `body` with every item whose patterns match the request, bucket by bucket, until it
    /// returns `true`.
    /// - Complexity: O(1) probes per exact bucket, one per distinct prefix length for the prefix
    ///   buckets, plus the items offered.
    @inline(__always)
    func forEachCandidate(_ key: RawPair, _ body: (Item) -> Bool) {
        forEachCandidate(key, taggedIn: AnyTag(), body)
    }

    /// ``forEachCandidate(_:_:)`` for the items whose tag `tags` holds, tested before the item
    /// is read.
    @inline(__always)
    func forEachCandidate(_ key: RawPair, taggedIn tags: some TagSet, _ body: (Item) -> Bool) {
        if count == 0 { return }
        if let span = exact.find(key), offer(span, tags, body) { return }
        if hasWildcardBuckets {
            if anyAction.count > 0,
                let span = anyAction.find(key.resource),
                offer(span, tags, body)
            {
                return
            }
            if anyResource.count > 0,
                let span = anyResource.find(key.action),
                offer(span, tags, body)
            {
                return
            }
        }
        if anything.count > 0, offer(anything, tags, body) { return }
        if hasPrefixBuckets {
            let offered = resourcePrefix.forEachPrefix(of: key.resource.bytes) { span in
                offer(span, matching: key.action.bytes, tags, body)
            }
            if offered { return }
            _ = actionPrefix.forEachPrefix(of: key.action.bytes) { span in
                offer(span, matching: key.resource.bytes, tags, body)
            }
        }
    }

    /// ``offer(_:_:_:)`` for the items of a prefix table whose other pattern matches `name`.
    private func offer(
        _ span: Span,
        matching name: UnsafeBufferPointer<UInt8>,
        _ tags: some TagSet,
        _ body: (Item) -> Bool
    ) -> Bool {
        var index = Int(span.start)
        let end = index + Int(span.count)
        while index < end {
            if tags.contains(self.tags[index]), others[index - prefixStart].matches(name),
                items[index]._withUnsafeGuaranteedRef(body)
            {
                return true
            }
            index += 1
        }
        return false
    }
}
