import MCP
import Testing
import VictorMCP
import VictorRuntime

/// Gateway tool names: `UPSTREAM.TOOL`, split at the first dot.
@Suite struct NamingTests {
    @Test func qualifiedNamesJoinUpstreamAndTool() {
        #expect(ToolNamespace.qualified(upstream: "files", tool: "read_file") == "files.read_file")
    }

    @Test func splitAtTheFirstDot() throws {
        let split = try #require(ToolNamespace.split("files.read.v2"))
        #expect(split.upstream == "files")
        #expect(split.tool == "read.v2")
    }

    @Test(arguments: ["nodot", ".tool", "upstream.", ""])
    func namesWithoutBothPartsDoNotSplit(_ name: String) {
        #expect(ToolNamespace.split(name) == nil)
    }

    @Test func upstreamNamesFollowTheExactNameRuleWithoutDots() {
        #expect(ToolNamespace.problem(withUpstreamName: "files") == nil)
        #expect(ToolNamespace.problem(withUpstreamName: "my.files")?.contains("'.'") == true)
        #expect(ToolNamespace.problem(withUpstreamName: "my files") != nil)
        #expect(ToolNamespace.problem(withUpstreamName: "a/b") != nil)
    }
}

/// Upstream tools as the runtime's definitions; MCP values as JSON.
@Suite struct ConversionTests {
    /// The schema FastMCP writes for `def add(a: int, b: int)`.
    let addSchema: Value = .object([
        "type": .string("object"),
        "title": .string("addArguments"),
        "properties": .object([
            "a": .object(["title": .string("A"), "type": .string("integer")]),
            "b": .object(["title": .string("B"), "type": .string("integer")]),
        ]),
        "required": .array([.string("a"), .string("b")]),
    ])

    @Test func aSupportedSchemaBecomesTheGatesSchema() throws {
        let tool = Tool(name: "add", description: "Adds", inputSchema: addSchema)
        let definition = try ToolConversion.definition(of: tool, upstream: "math", policyArguments: ["a"])
        #expect(definition.name == "math.add")
        #expect(definition.description == "Adds")
        #expect(definition.policyArguments == ["a"])
        #expect(definition.inputSchema.violations(of: ["a": 1, "b": 2]).isEmpty)
        #expect(!definition.inputSchema.violations(of: ["a": "one", "b": 2]).isEmpty)
        #expect(!definition.inputSchema.violations(of: ["a": 1]).isEmpty)
    }

    /// Fails closed: `anyOf` (FastMCP's `Optional[int]`) cannot be enforced, so the tool is refused.
    @Test func anUnsupportedKeywordRefusesTheTool() {
        let schema: Value = .object([
            "type": .string("object"),
            "properties": .object([
                "x": .object([
                    "anyOf": .array([.object(["type": .string("integer")]), .object(["type": .string("null")])])
                ])
            ]),
        ])
        let tool = Tool(name: "maybe", description: nil, inputSchema: schema)
        #expect {
            try ToolConversion.definition(of: tool, upstream: "fx")
        } throws: { error in
            guard let error = error as? MCPGatewayError else { return false }
            return error.code == .unsupportedSchema && error.message.contains("fx.maybe")
                && error.message.contains("anyOf")
        }
    }

    @Test func aPolicyArgumentOutsideTheSchemaRefusesTheTool() {
        let tool = Tool(name: "add", description: nil, inputSchema: addSchema)
        #expect(throws: MCPGatewayError.self) {
            try ToolConversion.definition(of: tool, upstream: "math", policyArguments: ["c"])
        }
    }

    @Test func valuesRoundTrip() {
        let value: Value = .object([
            "n": .null, "b": .bool(true), "i": .int(-3), "d": .double(1.5), "s": .string("é"),
            "a": .array([.int(1), .string("x")]),
        ])
        let json = JSONValue(value)
        #expect(json == ["n": .null, "b": true, "i": -3, "d": 1.5, "s": "é", "a": [1, "x"]])
        #expect(json.mcpValue == value)
    }
}
