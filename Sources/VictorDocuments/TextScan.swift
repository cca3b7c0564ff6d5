/// Checks a document's bytes before parsing: valid UTF-8, and no scalar that
/// ``ExactText/isForbidden(_:)`` refuses (a byte-order mark is allowed as the first character).
enum TextScan {
    static func firstProblem(in bytes: [UInt8], file: String) -> DocumentIssue? {
        // Printable ASCII, tabs and line breaks (most documents, nearly every request body)
        // hold nothing to refuse: one pass over the bytes says so.
        if bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        if let offset = ExactText.firstInvalidUTF8(bytes) {
            let position = position(of: offset, in: bytes)
            let shown = bytes[offset..<min(bytes.count, offset + 4)].map {
                "0x" + String($0, radix: 16, uppercase: true)
            }
            return DocumentIssue(
                .syntax,
                file: file,
                position: position,
                message: "the text is not valid UTF-8 (bytes \(shown.joined(separator: " ")))"
            )
        }
        var line = 1
        var column = 1
        var previousWasCR = false
        for (offset, scalar) in String(decoding: bytes, as: UTF8.self).unicodeScalars.enumerated() {
            if scalar == "\n" {
                if !previousWasCR { line += 1 }
                column = 1
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if previousWasCR {
                line += 1
                column = 1
                continue
            }
            if ExactText.isForbidden(scalar) && !(offset == 0 && scalar == "\u{FEFF}") {
                let name = scalar == "\0" ? "a NUL character" : "the forbidden character \(ExactText.codePoint(scalar))"
                return DocumentIssue(
                    .forbiddenCharacter,
                    file: file,
                    position: DocumentPosition(line: line, column: column),
                    message: "the text holds \(name)"
                )
            }
            column += 1
        }
        return nil
    }

    /// The line and column of the scalar holding byte `offset` of valid-up-to-`offset` text.
    static func position(of offset: Int, in bytes: [UInt8]) -> DocumentPosition {
        let prefix = String(decoding: bytes[..<offset], as: UTF8.self)
        var line = 1
        var column = 1
        var previousWasCR = false
        for scalar in prefix.unicodeScalars {
            if scalar == "\n" {
                if !previousWasCR { line += 1 }
                column = 1
            } else if scalar == "\r" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            previousWasCR = scalar == "\r"
        }
        return DocumentPosition(line: line, column: column)
    }
}
