import VictorAuthorization
import VictorDocuments
import VictorRuntime

/// The keys a request body may hold. They are few, so a key is compared with each in turn,
/// which costs less than hashing it: a batch checks the keys of every one of its pairs.
struct AllowedKeys: ExpressibleByArrayLiteral, Sendable {
    /// The keys, sorted.
    let keys: [String]

    init(arrayLiteral keys: String...) { self.keys = keys.sorted() }

    func contains(_ key: String) -> Bool { keys.contains(key) }
}

/// Reads the members of a request body (a JSON object), each failure a located error naming
/// the member: unknown keys, missing keys, wrong types, names that break the exact-name rule.
///
/// The members are read from the JSON reader's tape where they stand, so a value is converted
/// only when it is asked for, and a batch's pairs are read without building a dictionary each.
struct RequestFields {
    let tape: JSONTape
    /// Each member's key and the index of its value's first entry, in document order.
    let members: [(key: String, entry: Int)]

    /// The members of the object at `entry` of `tape`, which must hold only `allowed` keys
    /// (any, when `nil`).
    init(_ tape: JSONTape, at entry: Int = 0, allowed: AllowedKeys?) throws(ServerError) {
        guard case .mapping(let count) = tape.entries[entry] else {
            throw ServerError(
                .invalidRequest,
                "the body must be a JSON object, not \(JSONValue(tape: tape, entry: entry).typeName)"
            )
        }
        var members: [(key: String, entry: Int)] = []
        members.reserveCapacity(count)
        var index = entry + 1
        for _ in 0..<count {
            guard case .key(let key) = tape.entries[index] else { preconditionFailure("a member without a key") }
            members.append((key, index + 1))
            index = tape.end(ofValueAt: index + 1)
        }
        // Sorted only to name the same unknown key every time, once one is known to exist.
        if let allowed, members.contains(where: { !allowed.contains($0.key) }),
            let key = members.map(\.key).sorted().first(where: { !allowed.contains($0) })
        {
            throw ServerError(
                .invalidRequest,
                "unknown key \(ExactText.quotedForDisplay(key)); expected one of \(allowed.keys.joined(separator: ", "))",
                location: Self.at(key)
            )
        }
        self.tape = tape
        self.members = members
    }

    /// The first entry of the value of `key`, or `nil` when the body has no such member.
    func entry(_ key: String) -> Int? {
        members.first { $0.key == key }?.entry
    }

    /// The value of `key` when it is present and not `null`.
    private func present(_ key: String) -> Int? {
        guard let entry = entry(key) else { return nil }
        if case .scalar(.null, _) = tape.entries[entry] { return nil }
        return entry
    }

    /// The JSON Schema name of the type of the value at `entry`, for an error.
    func typeName(_ entry: Int) -> String { JSONValue(tape: tape, entry: entry).typeName }

    /// The members of the object at `entry` of `tape`, which the body calls `key`; `nil` for
    /// `null`.
    static func optionalObject(_ tape: JSONTape, at entry: Int, key: String) throws(ServerError) -> RequestFields? {
        switch tape.entries[entry] {
        case .mapping: return try RequestFields(tape, at: entry, allowed: nil)
        case .scalar(.null, _): return nil
        default:
            throw ServerError(
                .invalidRequest,
                "\(key) must be an object, not \(JSONValue(tape: tape, entry: entry).typeName)",
                location: at(key)
            )
        }
    }

    /// The longest name accepted, in UTF-8 bytes.
    static let maximumNameLength = 1_024

    /// A name: a non-empty string of at most 1,024 UTF-8 bytes holding no control, invisible or
    /// other forbidden character (`ExactText.firstForbiddenInName`), returned in NFC (the
    /// exact-name rule).
    static func name(_ text: String, _ key: String) throws(ServerError) -> String {
        let normalized = ExactText.normalized(text)
        guard !normalized.isEmpty else {
            throw ServerError(.invalidName, "\(key) must not be empty", location: at(key))
        }
        guard normalized.utf8.count <= maximumNameLength else {
            throw ServerError(.invalidName, "\(key) is longer than \(maximumNameLength) bytes", location: at(key))
        }
        if let (_, scalar) = ExactText.firstForbiddenInName(normalized) {
            throw ServerError(
                .invalidName,
                "\(key) \(ExactText.quotedForDisplay(normalized)) contains \(ExactText.codePoint(scalar)), which names cannot hold",
                location: at(key)
            )
        }
        return normalized
    }

    static func at(_ path: String) -> ServerError.Location? { ServerError.Location(path: path) }

    /// A required name.
    func name(_ key: String) throws(ServerError) -> String {
        guard let entry = entry(key) else {
            throw ServerError(.invalidRequest, "missing key \(key)", location: Self.at(key))
        }
        guard case .scalar(.string(let text), _) = tape.entries[entry] else {
            throw ServerError(
                .invalidRequest,
                "\(key) must be a string, not \(typeName(entry))",
                location: Self.at(key)
            )
        }
        return try Self.name(text, key)
    }

    /// An optional name.
    func optionalName(_ key: String) throws(ServerError) -> String? {
        guard present(key) != nil else { return nil }
        return try name(key)
    }

    /// A required string (any text, may be empty).
    func string(_ key: String) throws(ServerError) -> String {
        guard let entry = entry(key), case .scalar(.string(let text), _) = tape.entries[entry] else {
            throw ServerError(.invalidRequest, "\(key) must be a string", location: Self.at(key))
        }
        return ExactText.normalized(text)
    }

    /// An optional string (absent or `null`: `nil`).
    func optionalString(_ key: String) throws(ServerError) -> String? {
        guard present(key) != nil else { return nil }
        return try string(key)
    }

    /// An optional integer within `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(ServerError) -> Int? {
        guard let entry = present(key) else { return nil }
        guard case .scalar(.integer(let number), _) = tape.entries[entry], range.contains(number) else {
            throw ServerError(
                .invalidRequest,
                "\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)",
                location: Self.at(key)
            )
        }
        return number
    }

    /// The first entry of each item of a required array.
    func items(_ key: String) throws(ServerError) -> [Int] {
        guard let entry = entry(key), case .sequence(let count) = tape.entries[entry] else {
            throw ServerError(.invalidRequest, "\(key) must be an array", location: Self.at(key))
        }
        var items: [Int] = []
        items.reserveCapacity(count)
        var index = entry + 1
        for _ in 0..<count {
            items.append(index)
            index = tape.end(ofValueAt: index)
        }
        return items
    }

    /// A required array.
    func array(_ key: String) throws(ServerError) -> [JSONValue] {
        try items(key).map { JSONValue(tape: tape, entry: $0) }
    }

    /// The members of an optional object (absent or `null`: none), in document order.
    func objectMembers(_ key: String) throws(ServerError) -> RequestFields? {
        guard let entry = entry(key) else { return nil }
        return try Self.optionalObject(tape, at: entry, key: key)
    }

    /// An optional object (absent: empty).
    func object(_ key: String) throws(ServerError) -> [String: JSONValue] {
        guard let members = try objectMembers(key) else { return [:] }
        return Dictionary(
            uniqueKeysWithValues: members.members.map { ($0.key, JSONValue(tape: tape, entry: $0.entry)) }
        )
    }

    /// An optional flag (absent: `nil`).
    func flag(_ key: String) throws(ServerError) -> Bool? {
        guard let entry = entry(key) else { return nil }
        guard case .scalar(.boolean(let flag), _) = tape.entries[entry] else {
            throw ServerError(.invalidRequest, "\(key) must be true or false", location: Self.at(key))
        }
        return flag
    }

    /// An optional JSON value (absent: an empty object).
    func value(_ key: String) -> JSONValue {
        entry(key).map { JSONValue(tape: tape, entry: $0) } ?? [:]
    }

    /// A policy context: an object of scalars and arrays of scalars, keys by the exact-name rule,
    /// checked in document order.
    func context(_ key: String = "context") throws(ServerError) -> [String: AttributeValue] {
        guard let members = try objectMembers(key) else { return [:] }
        return try members.context(at: key)
    }

    /// These members as a policy context found at `key`, as ``context(_:)`` reads one.
    func context(at key: String) throws(ServerError) -> [String: AttributeValue] {
        var context: [String: AttributeValue] = [:]
        for (name, entry) in members {
            let path = "\(key).\(name)"
            let name = try Self.name(name, path)
            let value = JSONValue(tape: tape, entry: entry)
            guard let attribute = value.attributeValue else {
                throw ServerError(
                    .invalidRequest,
                    "\(path) must be a string, number, boolean or array of those, not \(value.typeName)",
                    location: Self.at(path)
                )
            }
            context[name] = attribute
        }
        return context
    }

    /// A persona adaptation context: an object of strings.
    func stringContext(_ key: String = "context") throws(ServerError) -> [String: String] {
        guard let members = try objectMembers(key) else { return [:] }
        var context: [String: String] = [:]
        for (name, entry) in members.members {
            let path = "\(key).\(name)"
            let name = try Self.name(name, path)
            guard case .scalar(.string(let text), _) = tape.entries[entry] else {
                throw ServerError(.invalidRequest, "\(path) must be a string", location: Self.at(path))
            }
            context[name] = ExactText.normalized(text)
        }
        return context
    }
}
