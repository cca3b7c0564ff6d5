import Testing

@testable import VictorDocuments

@Suite struct DocumentReaderTests {
    let reader = DocumentReader()

    func read(_ text: String) throws(DocumentError) -> DocumentNode? { try reader.read(text, file: "doc.yaml") }

    func issues(_ text: String) -> [String] {
        do {
            _ = try read(text)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    func mapping(_ node: DocumentNode?) -> [String: DocumentNode] {
        guard case .mapping(let entries) = node?.content else { return [:] }
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
    }

    @Test(arguments: [
        ("a: 1", ScalarValue.integer(1)),
        ("a: -9223372036854775808", .integer(.min)),
        ("a: 9223372036854775807", .integer(.max)),
        ("a: 0x1F", .integer(31)),
        ("a: 0o17", .integer(15)),
        ("a: 1.5", .float(1.5)),
        ("a: 9007199254740992.0", .float(9_007_199_254_740_992)),
        ("a: 1e3", .float(1000)),
        ("a: true", .boolean(true)),
        ("a: True", .boolean(true)),
        ("a: yes", .string("yes")),
        ("a: on", .string("on")),
        ("a: 1_000", .string("1_000")),
        ("a: ~", .null),
        ("a:", .null),
        ("a: '123'", .string("123")),
        ("a: !!str 123", .string("123")),
        ("a: !!float 1", .float(1)),
        ("a: \"true\"", .string("true")),
        ("a: cafe\u{301}", .string("caf\u{E9}")),
    ])
    func scalarsFollowTheCoreSchema(text: String, expected: ScalarValue) throws {
        #expect(mapping(try read(text))["a"]?.scalar == expected)
    }

    @Test(arguments: [
        "a: 99999999999999999999", "a: 9223372036854775808", "a: -9223372036854775809", "a: .inf", "a: -.Inf",
        "a: .nan", "a: 1e400", "a: !!int x", "a: !!bool 1", "a: !custom x", "a: !custom [1]", "a: !!set {b: 1}",
    ])
    func outOfRangeNonFiniteAndUnsupportedTagsAreErrors(text: String) {
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("doc.yaml:1:") == true)
    }

    @Test func keysEqualAfterNormalizationAreDuplicates() {
        let found = issues("caf\u{E9}: 1\ncafe\u{301}: 2\n")
        #expect(found == ["doc.yaml:2:1: caf\u{E9}: duplicate key 'caf\u{E9}' (first at line 1)"])
    }

    @Test func aliasesCannotBeKeys() {
        #expect(issues("a: &k x\n? *k\n: 1\n").first?.contains("an alias cannot be a mapping key") == true)
    }

    @Test func aliasBombsStopAtTheNodeBound() {
        var text = "a0: &a0 [x, x]\n"
        for level in 1...39 { text += "a\(level): &a\(level) [*a\(level - 1), *a\(level - 1)]\n" }
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.contains("expands to more than") == true)
    }

    @Test func aliasChainsStopAtTheDepthBound() {
        var text = "a0: &a0 [x]\n"
        for level in 1...60_000 { text += "a\(level): &a\(level) [*a\(level - 1)]\n" }
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.contains("nests deeper than 64 levels") == true)
    }

    @Test(arguments: [100, 200_000])
    func deepNestingStopsWithoutRecursion(depth: Int) {
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let found = issues(text)
        #expect(found.first?.contains("nesting deeper than 64 levels") == true, "\(found)")
    }

    @Test(arguments: [
        ("a: x\0y\n", "doc.yaml:1:5: the text holds a NUL character"),
        ("a: b\nc: x\u{7F}\n", "doc.yaml:2:5: the text holds the forbidden character U+007F"),
        ("a: \"x\\x7fy\"\n", "doc.yaml:1:4: a: contains the forbidden character U+007F at character 2"),
        ("a: \"x\\Ny\"\n", "doc.yaml:1:4: a: contains the forbidden character U+0085 at character 2"),
        ("a: x\u{2028}y\n", "doc.yaml:1:5: the text holds the forbidden character U+2028"),
        ("a: \u{FFFE}\n", "doc.yaml:1:4: the text holds the forbidden character U+FFFE"),
    ])
    func forbiddenCharactersAreReportedWhereTheyAre(text: String, expected: String) {
        #expect(issues(text) == [expected])
    }

    @Test func invalidUTF8IsReportedWithItsPosition() {
        var bytes = Array("a: ok\nb: x".utf8)
        bytes.append(0xFF)
        do {
            _ = try reader.read(bytes: bytes, file: "doc.yaml")
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.issues.map(\.description) == ["doc.yaml:2:5: the text is not valid UTF-8 (bytes 0xFF)"])
        }
    }

    @Test func aSecondDocumentIsAnError() {
        #expect(issues("a: 1\n---\nb: 2\n").first?.contains("a file holds one document") == true)
    }

    @Test func syntaxErrorsHaveAPosition() {
        #expect(issues("a: [1, 2\n").first?.hasPrefix("doc.yaml:2:1: a[2]: syntax error") == true)
    }

    @Test func anEmptyDocumentHasNoRoot() throws {
        #expect(try read("# nothing\n") == nil)
        #expect(try read("") == nil)
    }

    @Test func aliasesShareTheirNode() throws {
        let root = mapping(try read("a: &x [1, 2]\nb: *x\n"))
        #expect(root["a"] === root["b"])
    }

    @Test func wideMappingsAndListsReadInFull() throws {
        // Items are appended in place on the reader's stack; copying a frame per item would make
        // this quadratic (minutes, not a fraction of a second).
        let keys = (0..<100_000).map { "k\($0): [\($0)]" }.joined(separator: "\n")
        guard case .mapping(let entries) = try read(keys)?.content else {
            Issue.record("not a mapping")
            return
        }
        #expect(entries.count == 100_000)
        #expect(entries.last?.key == "k99999")
    }

    @Test func oversizedTextIsRefusedBeforeParsing() {
        let small = DocumentReader(limits: DocumentLimits(maxBytes: 10))
        #expect(throws: DocumentError.self) { try small.read("a: 12345678901", file: "doc.yaml") }
    }
}
