/// What a persona is adapted to: task type, urgency, user preference, complexity and any other
/// keys, as canonical key-value pairs.
///
/// Keys and values are trimmed and lower-cased, and empty values dropped, so `Task_Type=Debugging`
/// and `task_type=debugging` are the same context. Equality ignores order; the hash is computed
/// once, at creation, which keeps a cached adaptation lookup cheap.
public struct PersonaContext: Sendable, Hashable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// The canonical pairs.
    public let values: [String: String]
    /// The hash of ``values``, computed once; also what the manager's lock-free adaptation table keys on.
    let precomputedHash: Int

    /// Creates a context from key-value pairs (canonicalized).
    public init(_ values: [String: String]) {
        var canonical: [String: String] = [:]
        canonical.reserveCapacity(values.count)
        for (key, value) in values {
            let key = key.trimmingWhitespace().lowercased()
            let value = value.trimmingWhitespace().lowercased()
            if !key.isEmpty, !value.isEmpty { canonical[key] = value }
        }
        self.values = canonical
        var hasher = Hasher()
        hasher.combine(canonical)
        precomputedHash = hasher.finalize()
    }

    /// Creates a context from the well-known keys plus any others.
    public init(
        taskType: String? = nil,
        urgency: String? = nil,
        userPreference: String? = nil,
        complexity: String? = nil,
        other: [String: String] = [:]
    ) {
        var values = other
        if let taskType { values[Self.taskTypeKey] = taskType }
        if let urgency { values[Self.urgencyKey] = urgency }
        if let userPreference { values[Self.userPreferenceKey] = userPreference }
        if let complexity { values[Self.complexityKey] = complexity }
        self.init(values)
    }

    /// Creates a context from a dictionary literal.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { $1 }))
    }

    /// An empty context.
    public static let empty = PersonaContext([:])

    /// `task_type`
    public static let taskTypeKey = "task_type"
    /// `urgency`
    public static let urgencyKey = "urgency"
    /// `user_preference`
    public static let userPreferenceKey = "user_preference"
    /// `complexity`
    public static let complexityKey = "complexity"

    /// The value of `key` (canonicalized), if present.
    public subscript(key: String) -> String? { values[key.trimmingWhitespace().lowercased()] }

    /// The task type, such as `security_review`.
    public var taskType: String? { values[Self.taskTypeKey] }
    /// The urgency, such as `high`.
    public var urgency: String? { values[Self.urgencyKey] }
    /// The user's preference, such as `thorough`.
    public var userPreference: String? { values[Self.userPreferenceKey] }
    /// The complexity, such as `high`.
    public var complexity: String? { values[Self.complexityKey] }

    /// `key=value` pairs sorted by key, comma-separated: the canonical text form.
    public var description: String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// Equal when the canonical pairs are equal.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.precomputedHash == rhs.precomputedHash && lhs.values == rhs.values
    }

    /// Feeds the hash computed at creation.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(precomputedHash)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}

extension String {
    /// Whether `needle`'s UTF-8 bytes occur in this string's: an exact substring test, much
    /// cheaper than `contains(_:)` with its Unicode-aware search.
    func containsBytes(of needle: String) -> Bool {
        var haystack = self
        var needle = needle
        return haystack.withUTF8 { text in
            needle.withUTF8 { pattern in
                guard let first = pattern.first else { return true }
                guard pattern.count <= text.count else { return false }
                var start = 0
                while start <= text.count - pattern.count {
                    if text[start] == first {
                        var offset = 1
                        while offset < pattern.count, text[start + offset] == pattern[offset] { offset += 1 }
                        if offset == pattern.count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }
}
