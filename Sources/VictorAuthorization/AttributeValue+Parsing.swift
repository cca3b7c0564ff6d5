import VictorDocuments

/// A value given as text on a command line or in a `KEY=VALUE` pair, typed as YAML 1.2 core
/// types the same text in a document, so that a request means the same from a file and from a
/// command line.
enum CommandLineScalar {
    static func parse(_ text: String) throws(AuthorizationError) -> AttributeValue {
        func fail(_ message: String) -> AuthorizationError {
            AuthorizationError(.invalidValue, "\(ExactText.quotedForDisplay(text)): \(message)")
        }
        if let (offset, scalar) = ExactText.firstForbidden(in: text) {
            throw fail("the forbidden character \(ExactText.codePoint(scalar)) at scalar \(offset + 1)")
        }
        let bytes = Array(text.utf8)
        if let first = bytes.first, first == UInt8(ascii: "'") || first == UInt8(ascii: "\"") {
            guard bytes.count >= 2, bytes.last == first else { throw fail("the closing quote is missing") }
            let inner = String(decoding: bytes[1..<(bytes.count - 1)], as: UTF8.self)
            let unquoted =
                first == UInt8(ascii: "'") ? try singleQuoted(inner, fail) : try doubleQuoted(inner, fail)
            return .string(ExactText.normalized(unquoted))
        }
        if let first = bytes.first, Self.indicators.contains(first) {
            throw fail(
                "YAML would not read this as a plain value (lists, mappings, anchors, aliases and tags are not "
                    + "supported here); quote it to mean the string, as in '\(text)'"
            )
        }
        if let first = bytes.first, Self.entryIndicators.contains(first),
            bytes.count == 1 || bytes[1] == UInt8(ascii: " ") || bytes[1] == UInt8(ascii: "\t")
        {
            throw fail("YAML would read this as a list entry, a key or a value, not a plain value; quote it")
        }
        if let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        {
            throw fail("leading or trailing white space; quote the value to keep it")
        }
        if ExactText.contains(text, ": ") || ExactText.contains(text, " #") {
            throw fail("YAML would not read this as one plain value; quote it to mean the string")
        }
        switch ScalarValue.resolve(plain: text) {
        case .failure(let problem): throw fail(problem.message)
        case .success(.null): throw fail("the value is null (empty, null or ~); give a value, or quote it ('null')")
        case .success(.boolean(let value)): return .boolean(value)
        case .success(.integer(let value)): return .integer(value)
        case .success(.float(let value)): return .number(value)
        case .success(.string(let value)): return .string(value)
        }
    }

    /// Bytes that cannot start a plain YAML scalar (or start a flow collection, an anchor, an
    /// alias, a tag, a block scalar, a comment or a directive).
    static let indicators: Set<UInt8> = Set("[]{},&*!|>%@`#".utf8)
    /// Bytes that start a plain scalar only when a non-space follows them.
    static let entryIndicators: Set<UInt8> = Set("-?:".utf8)

    /// A single-quoted scalar's content: `''` is a quote, nothing else is special.
    static func singleQuoted(
        _ text: String,
        _ fail: (String) -> AuthorizationError
    ) throws(AuthorizationError) -> String {
        var result = ""
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if scalar == "'" {
                guard scalars.next() == "'" else { throw fail("a quote inside single quotes is written ''") }
            }
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    /// A double-quoted scalar's content with YAML's escapes.
    static func doubleQuoted(
        _ text: String,
        _ fail: (String) -> AuthorizationError
    ) throws(AuthorizationError) -> String {
        var result = ""
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == "\"" { throw fail("a quote inside double quotes is written \\\"") }
            guard scalar == "\\" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            guard index < scalars.count else { throw fail("the text ends with a lone backslash") }
            let escape = scalars[index]
            index += 1
            let simple: [Unicode.Scalar: Unicode.Scalar] = [
                "0": "\0", "a": "\u{7}", "b": "\u{8}", "t": "\t", "\t": "\t", "n": "\n", "v": "\u{B}", "f": "\u{C}",
                "r": "\r", "e": "\u{1B}", " ": " ", "\"": "\"", "/": "/", "\\": "\\", "N": "\u{85}",
                "_": "\u{A0}", "L": "\u{2028}", "P": "\u{2029}",
            ]
            if let replacement = simple[escape] {
                result.unicodeScalars.append(replacement)
                continue
            }
            let digits: Int
            switch escape {
            case "x": digits = 2
            case "u": digits = 4
            case "U": digits = 8
            default: throw fail("unknown escape \\\(escape)")
            }
            guard index + digits <= scalars.count,
                let value = UInt32(String(String.UnicodeScalarView(scalars[index..<(index + digits)])), radix: 16),
                let decoded = Unicode.Scalar(value)
            else { throw fail("\\\(escape) needs \(digits) hexadecimal digits naming a Unicode scalar") }
            index += digits
            result.unicodeScalars.append(decoded)
        }
        if let (_, scalar) = ExactText.firstForbidden(in: result) {
            throw fail("an escape gives the forbidden character \(ExactText.codePoint(scalar))")
        }
        return result
    }
}
