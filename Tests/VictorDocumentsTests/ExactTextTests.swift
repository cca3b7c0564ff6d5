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

    @Test(arguments: [
        // Invisible characters make two names look like one.
        ("pay\u{200B}roll", 3 as Int?),
        ("reports/pay\u{AD}roll", 11),
        ("docs/\u{202E}txt.exe", 5),
        ("admin\u{FE0F}", 5),
        ("tools\u{E0041}", 5),
        ("\u{2060}root", 0),
        ("a\u{115F}", 1),
        // Joiners only between letters or marks outside ASCII.
        ("pay\u{200C}roll", 3),
        ("\u{200C}\u{631}\u{636}\u{627}", 0),
        ("\u{639}\u{644}\u{6CC}\u{200C}", 3),
        ("\u{639}\u{644}\u{6CC}\u{200C}\u{631}\u{636}\u{627}", nil),
        ("\u{915}\u{94D}\u{200D}\u{937}", nil),
        // Visible names, and the characters names never hold.
        ("caf\u{E9}", nil),
        ("docs/readme", nil),
        ("line\nbreak", 4),
        ("tab\there", 3),
    ])
    func namesHoldNoInvisibleOrForbiddenCharacter(name: String, offset: Int?) {
        #expect(ExactText.firstForbiddenInName(name)?.offset == offset)
    }
}
