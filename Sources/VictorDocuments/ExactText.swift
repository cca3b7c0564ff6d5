import Foundation

/// The exact-name rule every module follows: text enters as valid UTF-8, is normalized to NFC
/// once, and is then compared by Unicode scalars (by UTF-8 bytes), never by grapheme clusters.
///
/// Two spellings of one name (`café` precomposed and `cafe` + U+0301) are the same name after
/// normalization. A combining mark after a character it does not compose with (`/` + U+0301)
/// stays a separate scalar, so `secret/\u{301}x` still starts with `secret/`.
public enum ExactText {
    /// `text` in Unicode Normalization Form C. ASCII text is returned as is, without copying.
    @inline(__always)
    public static func normalized(_ text: String) -> String {
        if isASCII(text) { return text }
        return text.precomposedStringWithCanonicalMapping
    }

    /// Whether every byte of `text` is ASCII (and so already in NFC).
    @inline(__always)
    public static func isASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            // Eight bytes at a time: short names are the common case, so keep the loop simple.
            var index = 0
            let count = bytes.count
            while index + 8 <= count {
                let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { return false }
                index += 8
            }
            while index < count {
                if bytes[index] >= 0x80 { return false }
                index += 1
            }
            return true
        }
    }

    /// Decodes `bytes` as UTF-8, rejecting (never repairing) invalid sequences.
    /// - Returns: the text, or the byte offset of the first invalid sequence.
    public static func decode(_ bytes: some Collection<UInt8>) -> Result<String, InvalidUTF8> {
        if let text = String(validating: bytes, as: UTF8.self) { return .success(text) }
        return .failure(InvalidUTF8(offset: firstInvalidUTF8(Array(bytes)) ?? 0))
    }

    /// The offset of the first byte that starts an invalid UTF-8 sequence (overlong forms,
    /// surrogates and values past U+10FFFF included), or `nil` when all of `bytes` is valid.
    public static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0x00...0x7F:
                index += 1
                continue
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xED:
                length = 3
                high = 0x9F
            case 0xE1...0xEF: length = 3
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF4:
                length = 4
                high = 0x8F
            case 0xF1...0xF3: length = 4
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            let second = bytes[index + 1]
            guard second >= low && second <= high else { return index }
            for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { return index }
            index += length
        }
        return nil
    }

    /// Where a byte sequence stops being valid UTF-8.
    public struct InvalidUTF8: Error, Sendable, Hashable {
        /// The 0-based offset of the first byte of the invalid sequence.
        public var offset: Int
    }

    /// A scalar that may not appear in a name or a document value: C0 controls other than tab,
    /// line feed and carriage return; DEL; C1 controls (which include NEL); the line and paragraph
    /// separators; the byte-order mark; and the noncharacters U+FFFE, U+FFFF (and their kin in
    /// every plane), U+FDD0…U+FDEF.
    @inline(__always)
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 { return value != 0x09 && value != 0x0A && value != 0x0D }
        if value < 0x7F { return false }
        if value <= 0x9F { return true }  // DEL and C1
        if value == 0x2028 || value == 0x2029 || value == 0xFEFF { return true }
        if value >= 0xFDD0 && value <= 0xFDEF { return true }
        return value & 0xFFFE == 0xFFFE
    }

    /// The first forbidden scalar of `text` (see ``isForbidden(_:)``) with its 0-based scalar
    /// offset, or `nil`. With `allowLineBreaks` false, tab, line feed and carriage return are
    /// forbidden too, as they are in names.
    public static func firstForbidden(
        in text: String,
        allowLineBreaks: Bool = true
    ) -> (offset: Int, scalar: Unicode.Scalar)? {
        if let ascii = firstForbiddenIfASCII(text, allowLineBreaks: allowLineBreaks) { return ascii }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if isForbidden(scalar) || (!allowLineBreaks && scalar.value < 0x20) { return (offset, scalar) }
        }
        return nil
    }

    /// For ASCII text, the usual name, the first forbidden byte (a byte is a scalar) or `.some(nil)`,
    /// found byte by byte; `nil` when the text is not all ASCII and needs a scalar walk.
    private static func firstForbiddenIfASCII(
        _ text: String,
        allowLineBreaks: Bool
    ) -> (offset: Int, scalar: Unicode.Scalar)?? {
        var copy = text
        return copy.withUTF8 { bytes in
            for (offset, byte) in bytes.enumerated() {
                if byte >= 0x80 { return .none }
                if byte == 0x7F { return (offset, Unicode.Scalar(byte)) }
                if byte < 0x20, !allowLineBreaks || (byte != 0x09 && byte != 0x0A && byte != 0x0D) {
                    return (offset, Unicode.Scalar(byte))
                }
            }
            return .some(nil)
        }
    }

    /// The first scalar a name may not hold, with its 0-based scalar offset, or `nil`: a
    /// forbidden one (see ``firstForbidden(in:allowLineBreaks:)``; tabs and line breaks
    /// included) or an invisible one, a default-ignorable code point (format characters such as
    /// U+200B ZERO WIDTH SPACE and U+00AD SOFT HYPHEN, bidirectional controls, variation
    /// selectors, tag characters). An invisible character makes two names look like one:
    /// `pay\u{200B}roll` would escape a rule on `payroll` while a prefix rule still covers it,
    /// and an application (or a database collation) that ignores the character would read it
    /// as `payroll`. The zero width non-joiner and joiner (U+200C, U+200D) are allowed between
    /// two letters or marks outside ASCII, where scripts such as Persian and Devanagari need them.
    public static func firstForbiddenInName(_ name: String) -> (offset: Int, scalar: Unicode.Scalar)? {
        // ASCII holds no invisible character: one pass over the bytes decides it.
        if let ascii = firstForbiddenIfASCII(name, allowLineBreaks: false) { return ascii }
        let scalars = Array(name.unicodeScalars)
        for (offset, scalar) in scalars.enumerated() {
            if isForbidden(scalar) || scalar.value < 0x20 { return (offset, scalar) }
            guard scalar.properties.isDefaultIgnorableCodePoint else { continue }
            if scalar.value == 0x200C || scalar.value == 0x200D, offset > 0, offset + 1 < scalars.count,
                isJoinable(scalars[offset - 1]), isJoinable(scalars[offset + 1])
            {
                continue
            }
            return (offset, scalar)
        }
        return nil
    }

    /// A letter or a mark outside ASCII: what a joiner may stand between in a name.
    private static func isJoinable(_ scalar: Unicode.Scalar) -> Bool {
        guard !scalar.isASCII else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark,
            .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    /// `U+XXXX`, for messages about a scalar.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Whether `text` starts with `prefix`, comparing Unicode scalars (UTF-8 bytes).
    @inline(__always)
    public static func hasPrefix(_ text: String, _ prefix: String) -> Bool {
        text.utf8.starts(with: prefix.utf8)
    }

    /// Whether `text` equals `other` scalar for scalar.
    @inline(__always)
    public static func equals(_ text: String, _ other: String) -> Bool {
        text.utf8.elementsEqual(other.utf8)
    }

    /// Whether `text` contains `part` as a run of Unicode scalars (an empty part is contained).
    public static func contains(_ text: String, _ part: String) -> Bool {
        let haystack = Array(text.utf8)
        let needle = Array(part.utf8)
        if needle.isEmpty { return true }
        if needle.count > haystack.count { return false }
        // UTF-8 is self-synchronizing: a byte match of a valid needle starts on a scalar boundary.
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0] && haystack[index..<index + needle.count].elementsEqual(needle) {
                return true
            }
            index += 1
        }
        return false
    }

    /// `text` quoted for a message: printable scalars as they are, anything else escaped, so that
    /// a name cannot forge a line of output.
    public static func quotedForDisplay(_ text: String) -> String {
        var result = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "'": result += "\\'"
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if isForbidden(scalar) || scalar.properties.generalCategory == .format {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "'"
    }
}
