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
struct RequestFields {
    let members: [String: JSONValue]

    /// The members of `value`, which must be an object holding only `allowed` keys.
    init(_ value: JSONValue, allowed: AllowedKeys) throws(ServerError) {
        guard case .object(let members) = value else {
            throw ServerError(.invalidRequest, "the body must be a JSON object, not \(value.typeName)")
        }
        // Sorted only to name the same unknown key every time, once one is known to exist.
        if members.keys.contains(where: { !allowed.contains($0) }),
            let key = members.keys.sorted().first(where: { !allowed.contains($0) })
        {
            throw ServerError(
                .invalidRequest,
                "unknown key \(ExactText.quotedForDisplay(key)); expected one of \(allowed.keys.joined(separator: ", "))",
                location: Self.at(key)
            )
        }
        self.members = members
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
        guard let value = members[key] else {
            throw ServerError(.invalidRequest, "missing key \(key)", location: Self.at(key))
        }
        guard case .string(let text) = value else {
            throw ServerError(.invalidRequest, "\(key) must be a string, not \(value.typeName)", location: Self.at(key))
        }
        return try Self.name(text, key)
    }

    /// An optional name.
    func optionalName(_ key: String) throws(ServerError) -> String? {
        guard let value = members[key], value != .null else { return nil }
        return try name(key)
    }

    /// A required string (any text, may be empty).
    func string(_ key: String) throws(ServerError) -> String {
        guard case .string(let text)? = members[key] else {
            throw ServerError(.invalidRequest, "\(key) must be a string", location: Self.at(key))
        }
        return ExactText.normalized(text)
    }

    /// An optional string (absent or `null`: `nil`).
    func optionalString(_ key: String) throws(ServerError) -> String? {
        guard let value = members[key], value != .null else { return nil }
        return try string(key)
    }

    /// An optional integer within `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(ServerError) -> Int? {
        guard let value = members[key], value != .null else { return nil }
        guard case .integer(let number) = value, range.contains(number) else {
            throw ServerError(
                .invalidRequest,
                "\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)",
                location: Self.at(key)
            )
        }
        return number
    }

    /// A required array.
    func array(_ key: String) throws(ServerError) -> [JSONValue] {
        guard case .array(let items)? = members[key] else {
            throw ServerError(.invalidRequest, "\(key) must be an array", location: Self.at(key))
        }
        return items
    }

    /// An optional object (absent: empty).
    func object(_ key: String) throws(ServerError) -> [String: JSONValue] {
        guard let value = members[key], value != .null else { return [:] }
        guard case .object(let members) = value else {
            throw ServerError(
                .invalidRequest,
                "\(key) must be an object, not \(value.typeName)",
                location: Self.at(key)
            )
        }
        return members
    }

    /// An optional JSON value (absent: an empty object).
    func value(_ key: String) -> JSONValue { members[key] ?? [:] }

    /// A policy context: an object of scalars and arrays of scalars, keys by the exact-name rule.
    func context(_ key: String = "context") throws(ServerError) -> [String: AttributeValue] {
        var context: [String: AttributeValue] = [:]
        for (name, value) in try object(key) {
            let path = "\(key).\(name)"
            let name = try Self.name(name, path)
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
        var context: [String: String] = [:]
        for (name, value) in try object(key) {
            let path = "\(key).\(name)"
            let name = try Self.name(name, path)
            guard case .string(let text) = value else {
                throw ServerError(.invalidRequest, "\(path) must be a string", location: Self.at(path))
            }
            context[name] = ExactText.normalized(text)
        }
        return context
    }
}
