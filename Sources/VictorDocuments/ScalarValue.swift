/// A scalar's value under the YAML 1.2 core schema, the one typing every document and every
/// command-line `KEY=VALUE` follows.
///
/// Plain scalars resolve to null (`null`, `Null`, `NULL`, `~`, empty), booleans (`true`, `True`,
/// `TRUE`, `false`, `False`, `FALSE`), integers (decimal, `0o` octal, `0x` hexadecimal), floats
/// (decimal with a point or an exponent) or strings; anything quoted or in block style is a
/// string. `yes`, `on` and `1_000` are strings. Explicit tags (`!!str 123`, `!!float 1`) are
/// honoured. Integers are 64-bit: a literal out of range is an error, never rounded; so is a
/// non-finite number (`.inf`, `.nan`, `1e400`).
public enum ScalarValue: Sendable, Hashable, CustomStringConvertible {
    /// `null`, `~` or nothing.
    case null
    /// `true` or `false`.
    case boolean(Bool)
    /// A 64-bit integer.
    case integer(Int)
    /// A finite floating-point number.
    case float(Double)
    /// A string, in NFC.
    case string(String)

    /// The kind's name, for messages: `null`, `boolean`, `integer`, `number` or `string`.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .boolean: "boolean"
        case .integer: "integer"
        case .float: "number"
        case .string: "string"
        }
    }

    /// The value as YAML would read it back as the same value.
    public var description: String {
        switch self {
        case .null: "null"
        case .boolean(let value): String(value)
        case .integer(let value): String(value)
        case .float(let value): DocumentWriter.format(value)
        case .string(let value): DocumentWriter.scalar(value)
        }
    }

    /// Why a scalar has no value.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, such as `the integer 99999999999999999999 is out of range`.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// Resolves a plain (unquoted) scalar's text.
    public static func resolve(plain text: String) -> Result<ScalarValue, Problem> {
        switch text {
        case "", "~", "null", "Null", "NULL": return .success(.null)
        case "true", "True", "TRUE": return .success(.boolean(true))
        case "false", "False", "FALSE": return .success(.boolean(false))
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            return .failure(Problem(message: "'\(text)' is not a finite number; quote it to mean the string"))
        default: break
        }
        switch NumberSyntax.classify(text) {
        case .integer(let radix, let digits, let negative):
            guard let magnitude = UInt64(digits, radix: radix) else { return .failure(outOfRange(text)) }
            if negative {
                guard magnitude <= UInt64(Int.max) + 1 else { return .failure(outOfRange(text)) }
                return .success(.integer(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)))
            }
            guard magnitude <= UInt64(Int.max) else { return .failure(outOfRange(text)) }
            return .success(.integer(Int(magnitude)))
        case .float:
            guard let value = Double(text), value.isFinite else {
                return .failure(Problem(message: "the number \(text) is too large to represent"))
            }
            return .success(.float(value))
        case .none:
            return .success(.string(ExactText.normalized(text)))
        }
    }

    /// Resolves a scalar under an explicit tag: `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`,
    /// or the non-specific `!` (a string).
    public static func resolve(_ text: String, tag: String) -> Result<ScalarValue, Problem> {
        let name = tag.hasPrefix("tag:yaml.org,2002:") ? String(tag.dropFirst(18)) : tag
        switch name {
        case "!", "str": return .success(.string(ExactText.normalized(text)))
        case "int", "float", "bool", "null":
            let resolved = resolve(plain: text)
            switch (name, resolved) {
            case ("int", .success(.integer)), ("bool", .success(.boolean)), ("null", .success(.null)),
                ("float", .success(.float)), (_, .failure):
                return resolved
            case ("float", .success(.integer(let value))): return .success(.float(Double(value)))
            default: return .failure(Problem(message: "'\(text)' is not a valid !!\(name)"))
            }
        default:
            return .failure(Problem(message: "unsupported tag '\(tag)'; use !!str, !!int, !!float, !!bool or !!null"))
        }
    }

    private static func outOfRange(_ text: String) -> Problem {
        Problem(
            message: "the integer \(text) is out of range (-9223372036854775808 to 9223372036854775807)"
        )
    }
}

/// The lexical forms of YAML 1.2 core numbers.
enum NumberSyntax {
    enum Form {
        case integer(radix: Int, digits: Substring, negative: Bool)
        case float
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`, or `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
    static func classify(_ text: String) -> Form? {
        let bytes = Array(text.utf8)
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            let digits = text.dropFirst(2)
            if bytes[1] == UInt8(ascii: "o"), bytes[2...].allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                return .integer(radix: 8, digits: digits, negative: false)
            }
            if bytes[1] == UInt8(ascii: "x"), bytes[2...].allSatisfy(isHexDigit) {
                return .integer(radix: 16, digits: digits, negative: false)
            }
        }
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let integerStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        let integerDigits = index - integerStart
        if index == bytes.count {
            guard integerDigits > 0 else { return nil }
            return .integer(radix: 10, digits: text.dropFirst(integerStart), negative: negative)
        }
        var fractionDigits = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) {
                index += 1
                fractionDigits += 1
            }
        }
        guard integerDigits + fractionDigits > 0 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            let exponentStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > exponentStart else { return nil }
        }
        return index == bytes.count ? .float : nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
    }
}
