import Testing

@testable import VictorDocuments

@Suite struct DocumentWriterTests {
    /// Reads `value: TEXT` back and returns the string it holds.
    func readBack(_ written: String) throws -> ScalarValue? {
        let root = try DocumentReader().read("value: \(written)\n", file: "w.yaml")
        guard case .mapping(let entries) = root?.content else { return nil }
        return entries.first?.value.scalar
    }

    static let samples: [String] = [
        "", "plain", "with space", "true", "True", "null", "~", "123", "-1", "0x1F", "1e3", ".inf", "yes",
        "a: b", "a #b", "#x", "- x", "[x]", "{x}", "*a", "&a", "!tag", "|", ">", "'", "\"", "\\", "%x", "@x", "`x",
        "tab\there", "line\nbreak", "cr\rhere", " leading", "trailing ", "caf\u{E9}", "\u{1F600}", "日本語",
        "secret/\u{301}passwords",
    ]

    @Test(arguments: samples)
    func writtenScalarsReadBackIdentically(text: String) throws {
        let normalized = ExactText.normalized(text)
        #expect(try readBack(DocumentWriter.scalar(normalized)) == .string(normalized))
        #expect(try readBack(DocumentWriter.quoted(normalized)) == .string(normalized))
    }

    @Test func randomStringsTheReaderAcceptsRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let pool: [Unicode.Scalar] = [
            "a", "Z", "0", " ", ":", "#", "-", "'", "\"", "\\", "\t", "\n", "\r", "\u{E9}", "\u{301}", "\u{2028}",
            "\u{85}", "\u{7F}", "\u{1}", "\u{FEFF}", "\u{FFFE}", "\u{1F600}", "*", "&", "!", "[", "{", "%", "@",
        ]
        for _ in 0..<2_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                scalars.append(pool.randomElement(using: &generator)!)
            }
            let text = ExactText.normalized(String(scalars))
            let written = DocumentWriter.scalar(text)
            if ExactText.firstForbidden(in: text) != nil {
                // Escaped, and then refused by the reader as a value, never silently changed.
                #expect(throws: DocumentError.self) { _ = try readBack(written) }
            } else {
                #expect(try readBack(written) == .string(text), "\(written)")
            }
        }
    }

    @Test(arguments: [0.1, 5.0, -2.5, 1e20, 1e-7, 9_007_199_254_740_992.0, Double.greatestFiniteMagnitude])
    func floatsReadBackAsTheSameFloat(value: Double) throws {
        #expect(try readBack(DocumentWriter.format(value)) == .float(value))
    }

    @Test func quotedTextIsValidJSONAsWell() throws {
        let text = "a\u{85}b\u{2028}c\"d\\e\u{7F}"
        let written = DocumentWriter.quoted(text)
        #expect(written == "\"a\\u0085b\\u2028c\\\"d\\\\e\\u007F\"")
    }
}
