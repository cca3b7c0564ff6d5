import Testing
import VictorRuntime

@Suite struct SchemaTests {
    @Test(arguments: ["pattern", "anyOf", "$ref", "oneOf", "patternProperties", "if"])
    func keywordsTheGateCannotEnforceAreRefused(keyword: String) {
        #expect {
            _ = try ToolSchema(.object(["type": "object", keyword: "x"]))
        } throws: { error in
            (error as? RuntimeError)?.code == .invalidSchema && "\(error)".contains(keyword)
        }
    }

    @Test func annotationsAreAccepted() throws {
        let schema = try ToolSchema([
            "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "t", "description": "d",
            "type": "object", "properties": ["q": ["type": "string", "format": "uri", "default": "x"]],
        ])
        #expect(schema.violations(of: ["q": "anything"]).isEmpty)
    }

    @Test func numbersCompareExactlyPast2To53() throws {
        let schema = try ToolSchema([
            "type": "object", "properties": ["n": ["type": "integer", "maximum": 9_007_199_254_740_992]],
        ])
        #expect(schema.violations(of: ["n": 9_007_199_254_740_992]).isEmpty)
        #expect(schema.violations(of: ["n": 9_007_199_254_740_993]).count == 1)
        #expect(schema.violations(of: ["n": 9_007_199_254_740_992.0]).isEmpty, "2^53 as a float is an integer")
        #expect(schema.violations(of: ["n": 1.5]).map(\.message) == ["expected integer, found number"])
    }

    @Test func enumsCompareInNFCAndNumbersByValue() throws {
        let schema = try ToolSchema(["enum": ["caf\u{E9}", 1]])
        #expect(schema.violations(of: "cafe\u{301}").isEmpty)
        #expect(schema.violations(of: 1.0).isEmpty)
        #expect(schema.violations(of: "cafe").count == 1)
    }

    @Test func pointersEscapeSlashesAndTildes() throws {
        let schema = try ToolSchema(["type": "object", "additionalProperties": false])
        #expect(schema.violations(of: ["a/b~c": 1]).map(\.path) == ["/a~1b~0c"])
    }

    @Test func malformedSchemasSayWhere() {
        #expect {
            _ = try ToolSchema(["type": "object", "properties": ["q": ["type": "strng"]]])
        } throws: { error in
            "\(error)".contains("#/properties/q/type: unknown type 'strng'")
        }
        #expect(throws: RuntimeError.self) { _ = try ToolSchema(["minLength": -1]) }
        #expect(throws: RuntimeError.self) { _ = try ToolSchema(["enum": [1], "const": 1]) }
    }
}

@Suite struct JSONValueTests {
    @Test func strictJSONIsRead() throws {
        let value = try JSONValue.parse(#"{"n": 9007199254740993, "s": "caf\u00e9", "a": [true, null, 1.5]}"#)
        #expect(value == ["n": 9_007_199_254_740_993, "s": "caf\u{E9}", "a": [true, .null, 1.5]])
    }

    @Test(arguments: [
        ("{a: 1}", "must be quoted"),
        ("key: value", "not JSON"),
        ("- 1", "not JSON"),
        (#"{"a": 1, "a": 2}"#, "duplicate"),
        (#"{"n": 99999999999999999999}"#, ""),
        (#"{"n": 1e400}"#, ""),
        ("", "empty"),
        (#"{"a": "\u0000"}"#, ""),
        ("\u{FEFF}{\"a\": 1}", "body:1:1: not JSON: byte 0xef has no meaning"),
        ("[1,\n 2] # done", "body:2:5: not JSON: '#' has no meaning"),
        ("[1, .inf]", "not JSON: 'inf' must be quoted"),
    ])
    func notJSONIsRefusedWithWhere(text: String, expected: String) {
        #expect {
            _ = try JSONValue.parse(text, source: "body")
        } throws: { error in
            guard let error = error as? RuntimeError, error.code == .invalidJSON else { return false }
            return error.message.contains(expected)
        }
    }

    @Test func tagsAndAliasesOfYAMLAreNotJSON() {
        #expect(throws: RuntimeError.self) { _ = try JSONValue.parse("{\"a\": &x 1, \"b\": *x}") }
    }
}
