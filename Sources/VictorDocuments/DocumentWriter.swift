/// Writes scalars so that ``DocumentReader`` reads them back as exactly the same values.
public enum DocumentWriter {
    /// `text` as a YAML scalar: plain when that reads back as the same string, double-quoted
    /// otherwise.
    public static func scalar(_ text: String) -> String {
        isPlainSafe(text) ? text : quoted(text)
    }

    /// `text` double-quoted, in the escapes JSON and YAML share, with every scalar that YAML
    /// would fold, strip or reject escaped: controls, DEL, C1 (NEL included), the line and
    /// paragraph separators, the byte-order mark and noncharacters. The result is a valid JSON
    /// string and a valid YAML double-quoted scalar.
    public static func quoted(_ text: String) -> String {
        if isPlainASCII(text) { return "\"" + text + "\"" }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || ExactText.isForbidden(scalar) {
                    // UTF-16 escapes, as JSON has them (a pair for a scalar past U+FFFF).
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16, uppercase: true)
                        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// Appends ``quoted(_:)`` of `text` to `bytes`, copying printable ASCII straight through.
    public static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        if isPlainASCII(text) {
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
        } else {
            bytes.append(contentsOf: quoted(text).utf8)
        }
    }

    /// Whether `text` is printable ASCII with neither `"` nor a backslash: quoted as it is.
    static func isPlainASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes
            where byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            return true
        }
    }

    /// A finite double in a form YAML 1.2 core reads back as the same float (never as an
    /// integer): `5.0`, `1e+20`, `0.1`.
    public static func format(_ value: Double) -> String {
        let text = value.description
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
    }

    /// Whether `text` can be written without quotes: letters, digits and `_ - . / @` (any
    /// non-ASCII letter too), starting with a letter, digit, `_`, `.` or `/`, and not read as
    /// null, a boolean or a number.
    static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        guard first.properties.isAlphabetic || ("0"..."9").contains(first) || "_./".unicodeScalars.contains(first)
        else { return false }
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let allowed =
                    ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || "_-./@".unicodeScalars.contains(scalar)
                if !allowed { return false }
            } else if !scalar.properties.isAlphabetic || ExactText.isForbidden(scalar) {
                return false
            }
        }
        if case .success(.string(let read)) = ScalarValue.resolve(plain: text) {
            return ExactText.equals(read, text)
        }
        return false
    }
}
