public import VictorAuthorization
package import VictorDocuments

/// A JSON value: what tools take as arguments and return as results.
///
/// Integers are exact 64-bit values, kept apart from floating-point numbers, so `9007199254740993`
/// survives a round trip. Strings are compared by Unicode scalars once normalized to NFC
/// (``normalized()``). ``canonicalJSON`` is the one text a value has: object keys sorted by
/// their UTF-8 bytes, no insignificant whitespace.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer that fits in 64 bits.
    case integer(Int)
    /// A finite floating-point number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// The JSON Schema name of the value's type: `null`, `boolean`, `integer`, `number`,
    /// `string`, `array` or `object`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The member `key` of an object; `nil` for anything else or a missing key.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value with every string and object key in NFC; the value itself when it is already.
    public func normalized() -> JSONValue {
        isNormalized ? self : rebuiltNormalized()
    }

    private var isNormalized: Bool {
        switch self {
        case .string(let text): ExactText.isASCII(text) || ExactText.equals(ExactText.normalized(text), text)
        case .array(let items): items.allSatisfy(\.isNormalized)
        case .object(let members):
            members.allSatisfy { key, value in
                (ExactText.isASCII(key) || ExactText.equals(ExactText.normalized(key), key)) && value.isNormalized
            }
        default: true
        }
    }

    private func rebuiltNormalized() -> JSONValue {
        switch self {
        case .string(let text): .string(ExactText.normalized(text))
        case .array(let items): .array(items.map { $0.normalized() })
        case .object(let members):
            .object(
                Dictionary(
                    members.map { (ExactText.normalized($0.key), $0.value.normalized()) },
                    uniquingKeysWith: { first, _ in first }
                )
            )
        default: self
        }
    }

    /// Whether the value is an object without members: the arguments of most calls of tools
    /// without parameters.
    var isEmptyObject: Bool {
        if case .object(let members) = self { return members.isEmpty }
        return false
    }

    /// How deeply arrays and objects nest: 0 for a scalar.
    public var depth: Int {
        switch self {
        case .array(let items): 1 + items.reduce(0) { max($0, $1.depth) }
        case .object(let members): 1 + members.values.reduce(0) { max($0, $1.depth) }
        default: 0
        }
    }

    /// The canonical text: keys sorted by UTF-8 bytes, no whitespace, strings with JSON escapes,
    /// numbers in their shortest exact form. Non-finite numbers, which JSON cannot carry, are
    /// written as `null`.
    public var canonicalJSON: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .number(let value): out += value.isFinite ? DocumentWriter.format(value) : "null"
        case .string(let text): out += DocumentWriter.quoted(text)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out += "," }
                out += DocumentWriter.quoted(key)
                out += ":"
                members[key]!.write(to: &out)
            }
            out += "}"
        }
    }

    /// The value as a policy condition reads it: scalars and arrays of scalars; `nil` for
    /// `null`, objects and nested arrays, which conditions cannot compare.
    public var attributeValue: AttributeValue? {
        switch self {
        case .null, .object: nil
        case .bool(let value): .boolean(value)
        case .integer(let value): .integer(value)
        case .number(let value): .number(value)
        case .string(let text): .string(text)
        case .array(let items):
            items.allSatisfy(\.isScalar) ? .list(items.compactMap(\.attributeValue)) : nil
        }
    }

    private var isScalar: Bool {
        switch self {
        case .bool, .integer, .number, .string: true
        default: false
        }
    }
}

extension JSONValue {
    /// Reads JSON text with the strict document reader's JSON grammar
    /// (`DocumentReader.readJSON`): UTF-8 only, NFC, no duplicate keys (after normalization),
    /// bounded size and depth, exact 64-bit integers. YAML-only syntax that JSON does not have
    /// (unquoted strings, block collections, trailing commas, YAML's escapes) is an error.
    /// - Parameters:
    ///   - text: the JSON text.
    ///   - source: what the text is, for error messages (a file name, `request body`).
    /// - Throws: ``RuntimeError/Code/invalidJSON`` with every problem and its position.
    public static func parse(_ text: String, source: String = "JSON") throws(RuntimeError) -> JSONValue {
        try parse(bytes: Array(text.utf8), source: source)
    }

    /// Reads JSON bytes; see ``parse(_:source:)``.
    public static func parse(bytes: [UInt8], source: String = "JSON") throws(RuntimeError) -> JSONValue {
        try parse(bytes: bytes, source: source, firstLine: 1)
    }

    /// Reads JSON bytes that start on line `firstLine` of `source` (one line of a JSON Lines
    /// file), so positions in errors are the file's.
    static func parse(bytes: [UInt8], source: String, firstLine: Int) throws(RuntimeError) -> JSONValue {
        JSONValue(tape: try tape(bytes: bytes, source: source, firstLine: firstLine), entry: 0)
    }

    /// Reads JSON bytes under the rules of `parse(bytes:source:)`, with its errors, into the
    /// document reader's tape: for a reader that takes some members straight from the tape and
    /// converts others with `init(tape:entry:)`. Not public: a tape read with raised limits
    /// could nest deeper than the conversion's recursion can safely go.
    package static func tape(bytes: [UInt8], source: String = "JSON") throws(RuntimeError) -> JSONTape {
        try tape(bytes: bytes, source: source, firstLine: 1)
    }

    static func tape(bytes: [UInt8], source: String, firstLine: Int) throws(RuntimeError) -> JSONTape {
        // The reader skips a byte-order mark, which JSON text does not open with (RFC 8259 §8.1).
        if bytes.starts(with: Self.byteOrderMark) { try checkJSONTokens(bytes, source: source, firstLine: firstLine) }
        let tape: JSONTape?
        do {
            tape = try DocumentReader().readJSONTape(bytes: bytes, file: source)
        } catch {
            // The token check names YAML-only syntax more plainly than the reader does. It runs
            // only once the reader has refused a text: any text the reader accepts passes it
            // (FuzzRuntime checks that), so a body that reads costs one pass, not two.
            try checkJSONTokens(bytes, source: source, firstLine: firstLine)
            let shifted = DocumentError(
                error.issues.map { issue in
                    var issue = issue
                    issue.position?.line += firstLine - 1
                    return issue
                }
            )
            throw RuntimeError(.invalidJSON, shifted.description, cause: error)
        }
        guard let tape else { throw RuntimeError(.invalidJSON, "\(source): empty document, expected a JSON value") }
        return tape
    }

    /// The value whose first entry is `entry` of `tape`: a value's entry, never a key's, in a
    /// tape read under the default limits.
    package init(tape: JSONTape, entry: Int) {
        self = tape.entries.withUnsafeBufferPointer { entries in
            var index = entry
            return JSONValue(read: entries, at: &index)
        }
    }

    /// Converts the value starting at `index` of a tape the JSON reader made, where nothing can
    /// fail: every string was quoted and every number is finite. Recursion is bounded by the
    /// reader's depth limit.
    private init(read entries: UnsafeBufferPointer<JSONTape.Entry>, at index: inout Int) {
        let entry = entries[index]
        index += 1
        switch entry {
        case .scalar(let scalar, _):
            switch scalar {
            case .null: self = .null
            case .boolean(let value): self = .bool(value)
            case .integer(let value): self = .integer(value)
            case .float(let value): self = .number(value)
            case .string(let text): self = .string(text)
            }
        case .sequence(let count):
            var items: [JSONValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(JSONValue(read: entries, at: &index)) }
            self = .array(items)
        case .mapping(let count):
            // Not `reserveCapacity(_:)`, which this build calls unspecialized, looking the
            // storage's type up at run time for every object.
            var members = [String: JSONValue](minimumCapacity: count)
            for _ in 0..<count {
                guard case .key(let key) = entries[index] else {
                    preconditionFailure("a mapping's member without a key")
                }
                index += 1
                members[key] = JSONValue(read: entries, at: &index)
            }
            self = .object(members)
        case .key:
            preconditionFailure("a key outside a mapping")
        }
    }

    /// Converts a document node (a YAML or JSON tree from the document reader).
    /// - Throws: ``RuntimeError/Code/invalidJSON`` for an unquoted string or a non-finite number.
    init(_ node: DocumentNode, source: String, path: String, json: Bool = true) throws(RuntimeError) {
        switch node.content {
        case .scalar(let scalar):
            switch scalar {
            case .null: self = .null
            case .boolean(let value): self = .bool(value)
            case .integer(let value): self = .integer(value)
            case .float(let value):
                guard value.isFinite else {
                    throw RuntimeError(.invalidJSON, "\(source):\(node.position): \(path): a number must be finite")
                }
                self = .number(value)
            case .string(let text):
                if json, node.isPlain {
                    throw RuntimeError(
                        .invalidJSON,
                        "\(source):\(node.position): \(path.isEmpty ? "value" : path): not JSON: "
                            + "\(ExactText.quotedForDisplay(text)) must be quoted"
                    )
                }
                self = .string(text)
            }
        case .sequence(let items):
            var values: [JSONValue] = []
            values.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                values.append(try JSONValue(item, source: source, path: "\(path)[\(index)]", json: json))
            }
            self = .array(values)
        case .mapping(let entries):
            var members = [String: JSONValue](minimumCapacity: entries.count)
            for entry in entries {
                let child = path.isEmpty ? entry.key : "\(path).\(entry.key)"
                members[entry.key] = try JSONValue(entry.value, source: source, path: child, json: json)
            }
            self = .object(members)
        }
    }

    /// The UTF-8 byte-order mark.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Refuses YAML outside JSON with a plain message: outside string literals only JSON's
    /// punctuation, numbers and the words `true`, `false` and `null` may appear (no unquoted keys
    /// or strings, anchors, aliases, tags, comments, block syntax, byte-order mark).
    static func checkJSONTokens(_ bytes: [UInt8], source: String, firstLine: Int) throws(RuntimeError) {
        var index = 0
        var line = firstLine
        var lineStart = 0
        func fail(_ at: Int, _ what: String) -> RuntimeError {
            RuntimeError(.invalidJSON, "\(source):\(line):\(at - lineStart + 1): not JSON: \(what)")
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                index += 1
            case UInt8(ascii: "\n"):
                line += 1
                index += 1
                lineStart = index
            case 0x20, 0x09, 0x0D, UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"),
                UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."),
                UInt8(ascii: "+"):
                index += 1
            case UInt8(ascii: "-"):
                guard index + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1])
                else { throw fail(index, "'-' must start a number") }
                index += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                var end = index
                while end < bytes.count,
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[end])
                        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[end])
                {
                    end += 1
                }
                let word = String(decoding: bytes[index..<end], as: UTF8.self)
                let inNumber =
                    (word == "e" || word == "E") && index > 0
                    && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index - 1])
                guard inNumber || word == "true" || word == "false" || word == "null" else {
                    throw fail(index, "\(ExactText.quotedForDisplay(word)) must be quoted")
                }
                index = end
            default:
                throw fail(index, "\(quotedByte(byte)) has no meaning in JSON outside a string")
            }
        }
    }

    private static func quotedByte(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}

// No `ExpressibleByNilLiteral`: `nil` must stay "no value" wherever a `JSONValue?` is expected.
extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object; a repeated key keeps its first value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { first, _ in first }))
    }
}
