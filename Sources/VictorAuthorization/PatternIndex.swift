/// A string with its hash computed once, so several dictionary lookups hash it only once.
struct HashedKey: Hashable, Sendable {
    let text: String
    let hash: Int

    @inline(__always)
    init(_ text: String) {
        self.text = text
        hash = text.hashValue
    }

    @inline(__always)
    static func == (lhs: HashedKey, rhs: HashedKey) -> Bool { lhs.hash == rhs.hash && lhs.text == rhs.text }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// A resource/action pair with its hash computed once.
struct PairKey: Hashable, Sendable {
    let resource: String
    let action: String
    let hash: Int

    @inline(__always)
    init(resource: String, action: String) {
        self.resource = resource
        self.action = action
        var hasher = Hasher()
        hasher.combine(resource)
        hasher.combine(action)
        hash = hasher.finalize()
    }

    @inline(__always)
    static func == (lhs: PairKey, rhs: PairKey) -> Bool {
        lhs.hash == rhs.hash && lhs.resource == rhs.resource && lhs.action == rhs.action
    }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
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
/// may match a request are found with a few hash lookups instead of a scan.
///
/// Buckets: exact resource and action; exact resource with any action; any resource with exact
/// action; any resource and action. Patterns with a prefix on either side go to a short list
/// tested one by one. Within each bucket, items keep insertion order.
struct PatternIndex<Item: Sendable>: Sendable {
    private(set) var exact: [PairKey: [Item]] = [:]
    private(set) var anyAction: [HashedKey: [Item]] = [:]
    private(set) var anyResource: [HashedKey: [Item]] = [:]
    private(set) var anything: [Item] = []
    private(set) var patterned: [(resource: Pattern, action: Pattern, item: Item)] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

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

    /// Calls `body` with every item whose patterns match the request, bucket by bucket, until it
    /// returns `true`.
    @inline(__always)
    func forEachCandidate(_ key: PairKey, _ body: (Item) -> Bool) {
        if count == 0 { return }
        if let items = exact[key] {
            for item in items where body(item) { return }
        }
        if !anyAction.isEmpty, let items = anyAction[HashedKey(key.resource)] {
            for item in items where body(item) { return }
        }
        if !anyResource.isEmpty, let items = anyResource[HashedKey(key.action)] {
            for item in items where body(item) { return }
        }
        for item in anything where body(item) { return }
        for entry in patterned where entry.resource.matches(key.resource) && entry.action.matches(key.action) {
            if body(entry.item) { return }
        }
    }
}
