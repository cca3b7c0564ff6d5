/// A value of a user attribute, a request context entry, or a condition operand.
///
/// Integers and numbers compare numerically with each other (`3 == 3.0`); every other pair of
/// different kinds is unequal and unordered. Lists hold scalars.
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible {
    /// A string.
    case string(String)
    /// An integer.
    case integer(Int)
    /// A floating-point number.
    case number(Double)
    /// A boolean.
    case boolean(Bool)
    /// A list of values.
    case list([AttributeValue])

    /// The value as a `Double` when it is an integer or a number.
    var numeric: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// Whether the value is a string, integer, number or boolean.
    var isScalar: Bool {
        if case .list = self { return false }
        return true
    }

    /// The kind's name, for error messages: `string`, `integer`, `number`, `boolean` or `list`.
    var kindName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        case .list: "list"
        }
    }

    /// Equality as conditions see it: numbers compare numerically, lists element by element.
    func isEquivalent(to other: AttributeValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)): return a == b
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isEquivalent(to: $1) }
        default:
            if let a = numeric, let b = other.numeric { return a == b }
            return false
        }
    }

    /// Parses a command-line or test-case value: integer, then number, then boolean, else string.
    public init(parsing text: String) {
        if let value = Int(text) {
            self = .integer(value)
        } else if ScalarSyntax.looksNumeric(text), let value = Double(text), value.isFinite {
            self = .number(value)
        } else if text == "true" || text == "false" {
            self = .boolean(text == "true")
        } else {
            self = .string(text)
        }
    }

    /// The value as it would appear in a configuration file: strings quoted, lists bracketed.
    public var description: String {
        switch self {
        case .string(let value): quoted(value)
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .boolean(let value): String(value)
        case .list(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

extension AttributeValue: ExpressibleByStringLiteral {
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension AttributeValue: ExpressibleByIntegerLiteral {
    /// An integer value.
    public init(integerLiteral value: Int) { self = .integer(value) }
}

extension AttributeValue: ExpressibleByFloatLiteral {
    /// A number value.
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension AttributeValue: ExpressibleByBooleanLiteral {
    /// A boolean value.
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

extension AttributeValue: ExpressibleByArrayLiteral {
    /// A list value.
    public init(arrayLiteral elements: AttributeValue...) { self = .list(elements) }
}

/// Lexical rules shared by the configuration reader and writer.
enum ScalarSyntax {
    /// Whether `text` is made only of the characters of a decimal number and holds a digit, so
    /// that words such as `nan` or `infinity` stay strings.
    static func looksNumeric(_ text: String) -> Bool {
        var hasDigit = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): hasDigit = true
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): break
            default: return false
            }
        }
        return hasDigit
    }
}

/// `text` as a double-quoted string with JSON escapes, which YAML reads back unchanged.
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}
