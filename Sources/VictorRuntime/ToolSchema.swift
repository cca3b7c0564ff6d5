import VictorDocuments

/// A tool's input schema: the subset of JSON Schema the gate enforces.
///
/// Validation keywords: `type` (a name or a list), `properties`, `required`,
/// `additionalProperties` (a boolean or a schema), `items`, `minItems`, `maxItems`,
/// `uniqueItems`, `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`
/// (numbers), `minLength`, `maxLength` (in Unicode scalars). Annotations (`title`,
/// `description`, `default`, `examples`, `format`, `$schema`, `$id`, `$comment`, `deprecated`,
/// `readOnly`, `writeOnly`) are kept and not enforced. Any other keyword (`pattern`, `anyOf`,
/// `$ref`, …) is an error when the schema is created: the gate never accepts a constraint it
/// cannot check.
public struct ToolSchema: Sendable, Hashable {
    /// The schema as given.
    public let json: JSONValue
    let root: Node
    /// What an empty arguments object breaks, found once: most calls of tools without
    /// parameters carry none.
    let emptyObjectViolations: [SchemaViolation]

    /// The most deeply nested arguments any schema accepts; deeper values are rejected before
    /// validation.
    public static let maximumDepth = 64

    /// Compiles a schema.
    /// - Throws: ``RuntimeError/Code/invalidSchema`` naming the keyword and where it is.
    public init(_ json: JSONValue) throws(RuntimeError) {
        self.json = json
        let root = try Node(json, path: "#")
        var found: [SchemaViolation] = []
        root.check(.object([:]), path: "", into: &found)
        self.root = root
        emptyObjectViolations = found
    }

    /// The schema accepting any object: `{"type": "object"}`.
    public static let anyObject = try! ToolSchema(["type": "object"])

    /// Every way `value` breaks the schema, in document order of the schema's checks; empty when
    /// it conforms.
    public func violations(of value: JSONValue) -> [SchemaViolation] {
        guard value.depth <= Self.maximumDepth else {
            return [SchemaViolation(path: "", message: "nests deeper than \(Self.maximumDepth) levels")]
        }
        return violations(ofBounded: value)
    }

    /// ``violations(of:)`` for a value whose depth is known to be within ``maximumDepth``.
    func violations(ofBounded value: JSONValue) -> [SchemaViolation] {
        if case .object(let members) = value, members.isEmpty { return emptyObjectViolations }
        var found: [SchemaViolation] = []
        root.check(value, path: "", into: &found)
        return found
    }

    /// The names of the properties the schema declares at its top level.
    public var propertyNames: [String] { root.properties.map(\.name) }
}

/// One way an argument value breaks a tool's schema.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// A JSON Pointer to the value (`/query`, `/items/2`); empty for the whole arguments object.
    public var path: String
    /// What is wrong.
    public var message: String

    /// Creates a violation.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `/path: message`.
    public var description: String { "\(path.isEmpty ? "arguments" : path): \(message)" }
}

extension ToolSchema {
    final class Node: Sendable {
        /// The allowed types as bits, one per name of ``orderedTypeNames`` (the bit of ``bit(_:)``);
        /// `nil` when the schema allows every type.
        let typeMask: UInt8?
        let properties: [(name: String, schema: Node)]
        let required: [String]
        let additional: Additional
        let items: Node?
        let minItems: Int?
        let maxItems: Int?
        let uniqueItems: Bool
        let allowed: [JSONValue]?
        let minimum: Bound?
        let maximum: Bound?
        let minLength: Int?
        let maxLength: Int?

        enum Additional: Sendable {
            case allowed
            case forbidden
            case schema(Node)
        }

        struct Bound: Sendable {
            let value: JSONValue
            let exclusive: Bool
        }

        static let annotations: Set<String> = [
            "title", "description", "default", "examples", "format", "$schema", "$id", "$comment", "deprecated",
            "readOnly", "writeOnly",
        ]
        static let orderedTypeNames = ["null", "boolean", "integer", "number", "string", "array", "object"]

        init(_ json: JSONValue, path: String) throws(RuntimeError) {
            let members: [String: JSONValue]
            switch json {
            case .object(let object): members = object
            case .bool(true): members = [:]
            default: throw RuntimeError(.invalidSchema, "\(path): a schema must be an object, not \(json.typeName)")
            }
            func fail(_ key: String, _ message: String) -> RuntimeError {
                RuntimeError(.invalidSchema, "\(path)/\(key): \(message)")
            }
            func count(_ key: String) throws(RuntimeError) -> Int? {
                guard let value = members[key] else { return nil }
                guard case .integer(let count) = value, count >= 0 else {
                    throw fail(key, "must be a non-negative integer")
                }
                return count
            }
            func number(_ key: String) throws(RuntimeError) -> JSONValue? {
                guard let value = members[key] else { return nil }
                switch value {
                case .integer: return value
                case .number(let number) where number.isFinite: return value
                default: throw fail(key, "must be a number")
                }
            }
            for key in members.keys.sorted() where !Self.annotations.contains(key) {
                switch key {
                case "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
                    "uniqueItems", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                    "minLength", "maxLength":
                    continue
                default:
                    throw fail(
                        key,
                        "the gate cannot enforce '\(key)'; remove it or express it with the supported keywords"
                    )
                }
            }
            func typeBit(_ name: String) -> UInt8? {
                Self.orderedTypeNames.firstIndex(of: name).map { UInt8(1) << $0 }
            }
            switch members["type"] {
            case nil: typeMask = nil
            case .string(let name)?:
                guard let bit = typeBit(name) else { throw fail("type", "unknown type '\(name)'") }
                typeMask = bit
            case .array(let names)?:
                var mask: UInt8 = 0
                for name in names {
                    guard case .string(let name) = name, let bit = typeBit(name) else {
                        throw fail("type", "must list type names")
                    }
                    mask |= bit
                }
                typeMask = mask
            default: throw fail("type", "must be a type name or a list of them")
            }
            if let value = members["properties"] {
                guard case .object(let declared) = value else { throw fail("properties", "must be an object") }
                var properties: [(String, Node)] = []
                for name in declared.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                    properties.append((name, try Node(declared[name]!, path: "\(path)/properties/\(name)")))
                }
                self.properties = properties
            } else {
                properties = []
            }
            if let value = members["required"] {
                guard case .array(let names) = value else { throw fail("required", "must be a list of names") }
                var required: [String] = []
                for name in names {
                    guard case .string(let name) = name else { throw fail("required", "must be a list of names") }
                    required.append(name)
                }
                self.required = required
            } else {
                required = []
            }
            switch members["additionalProperties"] {
            case nil, .bool(true)?: additional = .allowed
            case .bool(false)?: additional = .forbidden
            case let schema?: additional = .schema(try Node(schema, path: "\(path)/additionalProperties"))
            }
            items = try members["items"].map { value throws(RuntimeError) in try Node(value, path: "\(path)/items") }
            minItems = try count("minItems")
            maxItems = try count("maxItems")
            switch members["uniqueItems"] {
            case nil: uniqueItems = false
            case .bool(let value)?: uniqueItems = value
            default: throw fail("uniqueItems", "must be a boolean")
            }
            switch (members["enum"], members["const"]) {
            case (nil, nil): allowed = nil
            case (.array(let values)?, nil): allowed = values.map { $0.normalized() }
            case (nil, let value?): allowed = [value.normalized()]
            case (_?, _?): throw fail("const", "cannot be combined with 'enum'")
            default: throw fail("enum", "must be a list")
            }
            let exclusiveMinimum = try number("exclusiveMinimum")
            let exclusiveMaximum = try number("exclusiveMaximum")
            if let exclusiveMinimum {
                minimum = Bound(value: exclusiveMinimum, exclusive: true)
            } else {
                minimum = try number("minimum").map { Bound(value: $0, exclusive: false) }
            }
            if let exclusiveMaximum {
                maximum = Bound(value: exclusiveMaximum, exclusive: true)
            } else {
                maximum = try number("maximum").map { Bound(value: $0, exclusive: false) }
            }
            minLength = try count("minLength")
            maxLength = try count("maxLength")
        }

        func check(_ value: JSONValue, path: String, into found: inout [SchemaViolation]) {
            if let typeMask, !Self.matches(value, typeMask) {
                let expected = Self.orderedTypeNames.indices.filter { typeMask & (1 << $0) != 0 }
                    .map { Self.orderedTypeNames[$0] }.sorted().joined(separator: " or ")
                found.append(SchemaViolation(path: path, message: "expected \(expected), found \(value.typeName)"))
                return
            }
            if let allowed, !allowed.contains(where: { Self.equal($0, value) }) {
                let shown = allowed.prefix(10).map(\.canonicalJSON).joined(separator: ", ")
                found.append(SchemaViolation(path: path, message: "must be one of \(shown)"))
            }
            switch value {
            case .object(let members):
                for name in required where members[name] == nil {
                    found.append(
                        SchemaViolation(path: path, message: "missing required \(ExactText.quotedForDisplay(name))")
                    )
                }
                // Sorted for violations in a stable order; one key or none needs no sort.
                let names =
                    members.count < 2
                    ? Array(members.keys) : members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
                for name in names {
                    let child = "\(path)/\(Self.escaped(name))"
                    if let declared = properties.first(where: { ExactText.equals($0.name, name) }) {
                        declared.schema.check(members[name]!, path: child, into: &found)
                        continue
                    }
                    switch additional {
                    case .allowed: continue
                    case .forbidden:
                        found.append(
                            SchemaViolation(path: child, message: "is not a declared argument")
                        )
                    case .schema(let schema): schema.check(members[name]!, path: child, into: &found)
                    }
                }
            case .array(let elements):
                if let minItems, elements.count < minItems {
                    found.append(SchemaViolation(path: path, message: "needs at least \(minItems) items"))
                }
                if let maxItems, elements.count > maxItems {
                    found.append(SchemaViolation(path: path, message: "allows at most \(maxItems) items"))
                }
                if uniqueItems, Set(elements.map { $0.normalized().canonicalJSON }).count != elements.count {
                    found.append(SchemaViolation(path: path, message: "items must be unique"))
                }
                if let items {
                    for (index, element) in elements.enumerated() {
                        items.check(element, path: "\(path)/\(index)", into: &found)
                    }
                }
            case .string(let text):
                let length = text.unicodeScalars.count
                if let minLength, length < minLength {
                    found.append(SchemaViolation(path: path, message: "needs at least \(minLength) characters"))
                }
                if let maxLength, length > maxLength {
                    found.append(SchemaViolation(path: path, message: "allows at most \(maxLength) characters"))
                }
            case .integer, .number:
                if case .number(let number) = value, !number.isFinite {
                    found.append(SchemaViolation(path: path, message: "must be a finite number"))
                    return
                }
                if let minimum, let order = Self.order(value, minimum.value),
                    order == .less || (minimum.exclusive && order == .equal)
                {
                    let relation = minimum.exclusive ? "greater than" : "at least"
                    found.append(
                        SchemaViolation(path: path, message: "must be \(relation) \(minimum.value.canonicalJSON)")
                    )
                }
                if let maximum, let order = Self.order(value, maximum.value),
                    order == .greater || (maximum.exclusive && order == .equal)
                {
                    let relation = maximum.exclusive ? "less than" : "at most"
                    found.append(
                        SchemaViolation(path: path, message: "must be \(relation) \(maximum.value.canonicalJSON)")
                    )
                }
            default: break
            }
        }

        /// The bit of the value's own type in a ``typeMask``: its name's place in ``orderedTypeNames``.
        static func bit(_ value: JSONValue) -> UInt8 {
            switch value {
            case .null: 1
            case .bool: 2
            case .integer: 4
            case .number: 8
            case .string: 16
            case .array: 32
            case .object: 64
            }
        }

        /// Whether `value` is of a type of `mask`: an integer is a number, and (JSON Schema's
        /// integer being mathematical) a number with no fraction, such as 2.0, is an integer.
        static func matches(_ value: JSONValue, _ mask: UInt8) -> Bool {
            if mask & bit(value) != 0 { return true }
            switch value {
            case .integer: return mask & bit(.number(0)) != 0
            case .number(let number):
                return mask & bit(.integer(0)) != 0 && number.isFinite && number == number.rounded()
            default: return false
            }
        }

        /// Exact order of two numbers; `nil` unless both are.
        static func order(_ a: JSONValue, _ b: JSONValue) -> NumericOrder? {
            switch (a, b) {
            case (.integer(let x), .integer(let y)): return x < y ? .less : x == y ? .equal : .greater
            case (.integer(let x), .number(let y)): return ExactNumber.compare(x, y)
            case (.number(let x), .integer(let y)):
                switch ExactNumber.compare(y, x) {
                case .less?: return .greater
                case .greater?: return .less
                case let order: return order
                }
            case (.number(let x), .number(let y)):
                guard x.isFinite, y.isFinite else { return nil }
                return x < y ? .less : x == y ? .equal : .greater
            default: return nil
            }
        }

        /// Equality as `enum` and `const` see it: numbers by value, strings by Unicode scalars in NFC.
        static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
            if let order = order(a, b) { return order == .equal }
            return a.normalized() == b.normalized()
        }

        /// A JSON Pointer token: `~` as `~0`, `/` as `~1`.
        static func escaped(_ name: String) -> String {
            var out = ""
            for scalar in name.unicodeScalars {
                switch scalar {
                case "~": out += "~0"
                case "/": out += "~1"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
    }

    /// Schemas are equal when they were given the same JSON.
    public static func == (lhs: ToolSchema, rhs: ToolSchema) -> Bool { lhs.json == rhs.json }
    /// Hashes the schema's JSON.
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }
}
