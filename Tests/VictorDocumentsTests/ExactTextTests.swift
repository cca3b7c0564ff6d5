import Testing
import VictorDocuments

/// `firstForbidden` reads ASCII text byte by byte and anything else scalar by scalar; both
/// must find what a plain scalar walk finds.
@Suite struct ExactTextTests {
    /// The scalar walk the fast path must agree with.
    static func reference(_ text: String, allowLineBreaks: Bool) -> (offset: Int, scalar: Unicode.Scalar)? {
        for (offset, scalar) in text.unicodeScalars.enumerated()
        where ExactText.isForbidden(scalar) || (!allowLineBreaks && scalar.value < 0x20) {
            return (offset, scalar)
        }
        return nil
    }

    static func agree(_ text: String, _ allowLineBreaks: Bool) -> Bool {
        let found = ExactText.firstForbidden(in: text, allowLineBreaks: allowLineBreaks)
        let expected = reference(text, allowLineBreaks: allowLineBreaks)
        return found?.offset == expected?.offset && found?.scalar == expected?.scalar
    }

    @Test(arguments: [true, false])
    func everyASCIIByteAtEveryPlaceOfShortNames(allowLineBreaks: Bool) {
        for byte in UInt8(0)..<0x80 {
            let scalar = Character(Unicode.Scalar(byte))
            for length in 1...17 {
                for place in 0..<length {
                    var text = String(repeating: "a", count: length)
                    let index = text.index(text.startIndex, offsetBy: place)
                    text.replaceSubrange(index...index, with: String(scalar))
                    #expect(Self.agree(text, allowLineBreaks), "byte \(byte) at \(place) of \(length)")
                }
            }
        }
    }

    @Test(arguments: [true, false])
    func nonASCIITextIsWalkedByScalars(allowLineBreaks: Bool) {
        let texts = [
            "café\u{7}", "é\n", "\u{2028}x", "naïve\u{FEFF}", "ok\u{85}", "日本\t語", "a\u{FFFE}", "plain é", "🙂\u{0}",
            "\u{1}é", "tab\there", "",
        ]
        for text in texts {
            #expect(Self.agree(text, allowLineBreaks), "\(text.unicodeScalars.map(\.value))")
        }
        // Offsets count scalars, not bytes: the bell after "café" is the fifth scalar.
        #expect(ExactText.firstForbidden(in: "café\u{7}")?.offset == 4)
    }
}
