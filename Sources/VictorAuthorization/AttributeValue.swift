import VictorDocuments

/// A value of a user attribute, a request context entry, or a condition operand.
///
/// Integers are 64-bit and compare exactly with each other and with numbers: `3 == 3.0`, but
/// `9007199254740993` is greater than `9007199254740992.0`, never rounded through `Double`.
/// Numbers must be finite. Strings compare by Unicode scalars after NFC normalization. Values
/// of different kinds (a string and a number) cannot be compared: a condition comparing them is
/// indeterminate. Lists hold scalars.
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible {
    /// A string.
    case string(String)
    /// A 64-bit integer.
    case integer(Int)
    /// A finite floating-point number. A non-finite one is rejected by validation and makes any
    /// condition reading it from a request indeterminate.
    case number(Double)
    /// A boolean.
    case boolean(Bool)
    /// A list of values.
    case list([AttributeValue])

    /// Whether the value is an integer or a number.
    var isNumeric: Bool {
        switch self {
        case .integer, .number: true
        default: false
        }
    }

    /// Whether the value is a string, integer, number or boolean.
    var isScalar: Bool {
        if case .list = self { return false }
        return true
    }

    /// Whether no number in the value, at any depth, is infinite or NaN.
    var isFinite: Bool {
        switch self {
        case .number(let value): value.isFinite
        case .list(let elements): elements.allSatisfy(\.isFinite)
        default: true
        }
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

    /// Parses a command-line or test-case value as YAML 1.2 core types a plain scalar: `true`,
    /// `True` and `TRUE` are booleans, `12` and `0x1F` integers (64-bit), `2.5` and `1e3`
    /// numbers, anything else a string (in NFC). A value in single or double quotes is a string,
    /// with YAML's escapes (`'it''s'`, `"a\tb"`).
    /// - Throws: ``AuthorizationError/Code/invalidValue`` for null (an empty value, `null`, `~`),
    ///   an integer out of the 64-bit range, a non-finite number, a flow list or mapping, text
    ///   YAML would not read as a plain scalar, or a forbidden character.
    public init(parsing text: String) throws(AuthorizationError) {
        self = try CommandLineScalar.parse(text)
    }

    /// The value as it would appear in a configuration file: strings quoted, lists bracketed.
    public var description: String {
        switch self {
        case .string(let value): DocumentWriter.quoted(value)
        case .integer(let value): String(value)
        case .number(let value): DocumentWriter.format(value)
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
