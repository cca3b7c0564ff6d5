import Testing

@testable import VictorDocuments

@Suite struct JSONReaderTests {
    let reader = DocumentReader()

    func json(_ text: String) throws(DocumentError) -> DocumentNode? {
        try reader.readJSON(bytes: Array(text.utf8), file: "body.json")
    }

    func issues(_ text: String) -> [String] {
        do {
            _ = try json(text)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    /// Whether two trees hold the same values, plainness and positions.
    static func same(_ a: DocumentNode?, _ b: DocumentNode?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        guard a.position == b.position, a.isPlain == b.isPlain else { return false }
        switch (a.content, b.content) {
        case (.scalar(let x), .scalar(let y)): return x == y
        case (.sequence(let x), .sequence(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.mapping(let x), .mapping(let y)):
            return x.count == y.count
                && zip(x, y).allSatisfy {
                    $0.key == $1.key && $0.keyPosition == $1.keyPosition && same($0.value, $1.value)
                }
        default: return false
        }
    }

    @Test(arguments: [
        #"{"user": "alice", "resource": "docs/readme", "action": "read"}"#,
        #"{"n": 9223372036854775807, "m": -9223372036854775808, "big": 12345678901234567}"#,
        #"[0, -0, 1.5, -2.5e-3, 1E+2, 6.02e23, true, false, null, "", [], {}]"#,
        #"{"a": {"b": [{"c": [[[]]]}]}}"#,
        "{\n  \"caf\u{E9}\": \"na\u{EF}ve \u{1F600}\",\r\n  \"x\": [1,\t2]\r}",
        #"["\"\\\/\n\r\t", "\u00e9\u0041"]"#,
        "\u{FEFF}{\"bom\": 1}",
        #"{"e\u0301": 1}"#,
        "  \"just a string\"  ",
        "42",
    ])
    func readsWhatTheYAMLReaderReads(_ text: String) throws {
        let expected = try reader.read(text, file: "body.json")
        let read = try json(text)
        #expect(read != nil)
        #expect(Self.same(read, expected))
    }

    /// JSON encoders that escape everything past ASCII (Python's `json.dumps`, for one) spell an
    /// emoji as a surrogate pair, which libyaml refuses; the JSON reader reads it.
    @Test func surrogatePairEscapesSpellOneScalar() throws {
        let node = try json(#"["\ud83d\ude00", "\uD83D\uDE00x"]"#)
        guard case .sequence(let items) = node?.content else {
            Issue.record("not a list")
            return
        }
        #expect(items.map(\.scalar) == [.string("\u{1F600}"), .string("\u{1F600}x")])
    }

    @Test func emptyTextIsNoDocument() throws {
        #expect(try json("") == nil)
        #expect(try json(" \n\t ") == nil)
    }

    @Test(arguments: [
        ("[1, 2,]", "body.json:1:7: [2]: expected a value, found ']'"),
        (#"{"a": 1,}"#, "body.json:1:9: expected a key in double quotes, found '}'"),
        (#"["\x41"]"#, #"body.json:1:3: [0]: \x is not a JSON escape"#),
        ("[+1]", "body.json:1:2: [0]: expected a value, found '+'"),
        ("[.5]", "body.json:1:2: [0]: expected a value, found '.'"),
        ("[01]", "body.json:1:2: [0]: a number cannot start with 0 followed by more digits"),
        ("[1.]", "body.json:1:4: [0]: a '.' in a number must be followed by a digit"),
        ("[1e]", "body.json:1:4: [0]: an exponent must have a digit"),
        ("[-]", "body.json:1:3: [0]: '-' must be followed by a digit"),
        ("[\"a\tb\"]", "body.json:1:4: [0]: U+0009 must be escaped inside a JSON string"),
        ("[\"a\nb\"]", "body.json:1:4: [0]: U+000A must be escaped inside a JSON string"),
        (#"["\ud83d"]"#, #"body.json:1:3: [0]: a high surrogate escape must be followed by a low surrogate escape"#),
        (#"["\ude00"]"#, #"body.json:1:3: [0]: a low surrogate escape must follow a high surrogate escape"#),
        (#"["\u12"]"#, #"body.json:1:3: [0]: \u must be followed by four hex digits"#),
        (#"["open"#, "body.json:1:7: [0]: the string opened at 1:2 is not closed"),
        ("[1, 2", "body.json:1:6: [2]: the text ends inside the list opened at 1:1"),
        (#"{"a" 1}"#, "body.json:1:6: a: expected ':' after the key, found '1'"),
        ("[1] [2]", "body.json:1:5: text after the JSON value"),
        ("[tru]", "body.json:1:2: [0]: expected a value, found 't'"),
        ("{", "body.json:1:2: expected a key in double quotes, found the end of the text"),
        ("{\"caf\u{E9}\": [1 2]}", "body.json:1:13: caf\u{E9}[1]: expected ',' or ']', found '2'"),
    ])
    func refusesWhatJSONDoesNotSpell(_ text: String, _ expected: String) {
        #expect(issues(text) == [expected])
    }

    @Test func keysEqualAfterNFCAreDuplicates() throws {
        let problems = issues("{\"caf\u{E9}\": 1,\n \"cafe\u{301}\": 2}")
        #expect(problems == [#"body.json:2:2: café: duplicate key 'café' (first at line 1)"#])
        do {
            _ = try json(#"{"a": 1, "a": 2}"#)
            Issue.record("a duplicate key was read")
        } catch {
            #expect(error.issues.map(\.code) == [.duplicateKey])
        }
    }

    /// Small mappings find duplicates by a scan, larger ones by a table built part way: a
    /// duplicate of any earlier key is found at every size around the switch.
    @Test(arguments: [2, 15, 16, 17, 40])
    func duplicatesAreFoundInMappingsOfEverySize(_ size: Int) {
        for duplicated in [0, size / 2, size - 1] {
            var members = (0..<size).map { #""k\#($0)": \#($0)"# }
            members.append(#""k\#(duplicated)": "again""#)
            let problems = issues("{" + members.joined(separator: ",\n") + "}")
            #expect(
                problems == [
                    "body.json:\(size + 1):1: k\(duplicated): duplicate key 'k\(duplicated)' (first at line \(duplicated + 1))"
                ]
            )
        }
        let distinct = (0..<size).map { #""k\#($0)": \#($0)"# }.joined(separator: ", ")
        #expect(issues("{" + distinct + "}") == [])
    }

    @Test func valuesTheYAMLReaderRefusesAreRefusedHereToo() {
        // Past the 64-bit range, not finite, a forbidden character spelled by an escape: located
        // errors, all of them, in document order.
        let problems = issues(
            #"{"a": 9223372036854775808, "b": 1e400, "c": "\u0000", "d": "\uffff"}"#
        )
        #expect(problems.count == 4)
        #expect(problems.allSatisfy { $0.hasPrefix("body.json:1:") })
        let yaml = (try? reader.read(#"{"a": 9223372036854775808, "b": 1e400}"#, file: "body.json")) == nil
        #expect(yaml)
    }

    @Test func limitsHoldAsTheTextIsRead() {
        let limited = DocumentReader(limits: DocumentLimits(maxBytes: 100, maxDepth: 3, maxNodes: 5))
        func problems(_ text: String) -> [String] {
            do {
                _ = try limited.readJSON(bytes: Array(text.utf8), file: "body.json")
                return []
            } catch {
                return error.issues.map(\.description)
            }
        }
        #expect(problems("[[[1]]]") == ["body.json:1:4: [0][0][0]: nesting deeper than 3 levels"])
        #expect(problems("[[[]]]") == [])
        #expect(problems("[1, 2, 3, 4, 5]") == ["body.json:1:14: [4]: the document expands to more than 5 nodes"])
        #expect(problems(String(repeating: " ", count: 101)).first?.contains("at most 100") == true)
        // Deep nesting is read with a stack, not recursion: the limit, never the call stack, stops it.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(issues(deep).first?.hasSuffix("nesting deeper than 64 levels") == true)
    }

    @Test func invalidUTF8AndForbiddenCharactersAreRefusedBeforeParsing() {
        #expect(throws: DocumentError.self) { try reader.readJSON(bytes: [0x5B, 0xFF, 0x5D], file: "body.json") }
        #expect(issues("[\"a\u{7}\"]").first?.contains("forbidden character U+0007") == true)
    }

    @Test func theTapeListsEveryContainerBeforeItsContents() throws {
        let tape = try #require(
            try reader.readJSONTape(bytes: Array(#"{"a": [1, true, {}], "b": "x", "c": []}"#.utf8), file: "body.json")
        )
        #expect(
            tape.entries == [
                .mapping(count: 3),
                .key("a"), .sequence(count: 3), .scalar(.integer(1), isPlain: true),
                .scalar(.boolean(true), isPlain: true), .mapping(count: 0),
                .key("b"), .scalar(.string("x"), isPlain: false),
                .key("c"), .sequence(count: 0),
            ]
        )
        #expect(try reader.readJSONTape(bytes: Array(" \n ".utf8), file: "body.json") == nil)
        // The tape and the tree are one reading: a refused text is refused by both, alike.
        let refused = #"{"a": 1, "a": 2}"#
        #expect(throws: DocumentError.self) { try reader.readJSONTape(bytes: Array(refused.utf8), file: "body.json") }
        #expect(issues(refused) == [#"body.json:1:10: a: duplicate key 'a' (first at line 1)"#])
    }

    @Test(arguments: [
        ("1", 0), ("[]", 1), ("{}", 1), ("[1, 2]", 1), (#"{"a": [[], {"b": [3]}]}"#, 4),
        ("[[[[]]], [], [[1]]]", 4), (#"["[[[[", {"a": "]]"}]"#, 2),
    ])
    func theTapeKnowsHowDeepItsContainersNest(text: String, depth: Int) throws {
        let tape = try #require(try reader.readJSONTape(bytes: Array(text.utf8), file: "body.json"))
        #expect(tape.containerDepth == depth)
    }

    /// A mapping's duplicate check sees its own keys only: a nested mapping's keys, past the scan
    /// limit or not, are neither duplicates of its parent's nor hide them.
    @Test(arguments: [3, 20])
    func nestedMappingsKeepTheirKeysApart(_ size: Int) throws {
        let inner = "{" + (0..<size).map { #""k\#($0)": \#($0)"# }.joined(separator: ", ") + "}"
        let outer = "{" + (0..<size).map { #""k\#($0)": \#(inner)"# }.joined(separator: ", ") + "}"
        let node = try #require(try json(outer))
        guard case .mapping(let entries) = node.content else {
            Issue.record("not a mapping")
            return
        }
        #expect(entries.map(\.key) == (0..<size).map { "k\($0)" })
        let repeated = "{" + (0..<size).map { #""k\#($0)": \#(inner)"# }.joined(separator: ", ") + #", "k1": 0}"#
        #expect(
            issues(repeated) == [#"body.json:1:\#(repeated.utf8.count - 7): k1: duplicate key 'k1' (first at line 1)"#]
        )
    }

    @Test func deepTreesAreBuiltWithoutRecursion() throws {
        let deep = DocumentReader(limits: DocumentLimits(maxDepth: 200_000))
        let text = String(repeating: "[", count: 100_000) + "1" + String(repeating: "]", count: 100_000)
        var node = try #require(try deep.readJSON(bytes: Array(text.utf8), file: "body.json"))
        var depth = 1
        while case .sequence(let items) = node.content {
            node = try #require(items.first)
            depth += 1
        }
        #expect(depth == 100_001)
        #expect(node.scalar == .integer(1))
    }

    /// The tape alone records no positions and works each one out only for an issue: its
    /// errors are the tree's, position for position.
    @Test func theTapeReportsEveryProblemWhereTheTreeDoes() {
        let limited = DocumentReader(limits: DocumentLimits(maxDepth: 3, maxNodes: 12))
        let texts = [
            "{\n  \"a\": 1,\n  \"b\": 2,\n  \"a\": 3\n}",
            "[\n 1,\n  \"x\\u0007y\", 99999999999999999999,\n    1e999]",
            "\u{FEFF}{\"é\": {\"k\": [[1]]}}",
            "{\"list\": [1, 2, 3,\n 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]}",
            "{\n  \"open\": [1,\n  2",
            "{\"a\": tru}",
            "  [1, 2] x",
        ]
        for text in texts {
            func problems(_ read: (DocumentReader) throws(DocumentError) -> Void) -> [String] {
                do {
                    try read(limited)
                    return []
                } catch {
                    return error.issues.map(\.description)
                }
            }
            let tree = problems { reader throws(DocumentError) in
                _ = try reader.readJSON(bytes: Array(text.utf8), file: "body.json")
            }
            let tape = problems { reader throws(DocumentError) in
                _ = try reader.readJSONTape(bytes: Array(text.utf8), file: "body.json")
            }
            #expect(!tree.isEmpty, "\(text)")
            #expect(tape == tree, "\(text)")
        }
    }

    @Test func theEndOfAValueIsFoundPastEveryNestedEntry() throws {
        let text = #"[{"a": [1, {"b": []}], "c": 2}, "s", [[], {}], 3]"#
        let tape = try #require(try reader.readJSONTape(bytes: Array(text.utf8), file: "body.json"))
        #expect(tape.end(ofValueAt: 0) == tape.entries.count)
        // The list's items start at 1 (the object), then "s", then the list of two, then 3.
        let first = tape.end(ofValueAt: 1)
        #expect(tape.entries[first] == .scalar(.string("s"), isPlain: false))
        #expect(tape.entries[tape.end(ofValueAt: first)] == .sequence(count: 2))
        let last = tape.end(ofValueAt: tape.end(ofValueAt: first))
        #expect(tape.entries[last] == .scalar(.integer(3), isPlain: true))
        #expect(tape.end(ofValueAt: last) == tape.entries.count)
    }
}
