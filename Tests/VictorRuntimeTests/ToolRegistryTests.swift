import Testing
import VictorRuntime
import VictorTestSupport

@Suite struct ToolRegistryTests {
    func definition(_ name: String, maximum: Int) throws -> ToolDefinition {
        try ToolDefinition(
            name: name,
            inputSchema: try ToolSchema([
                "type": "object", "properties": ["n": ["type": "integer", "maximum": .integer(maximum)]],
            ])
        )
    }

    /// An origin replaces what it registered, and nothing else: a tool of the configuration,
    /// another origin's, or one with a handler keeps its definition.
    @Test func anOriginReplacesOnlyItsOwnTools() throws {
        let registry = ToolRegistry()
        #expect(try registry.replace(definition("up.count", maximum: 5), origin: "gateway"))
        #expect(try !registry.replace(definition("up.count", maximum: 5), origin: "gateway"))
        #expect(try registry.replace(definition("up.count", maximum: 9), origin: "gateway"))
        #expect(registry.definition(named: "up.count") == (try definition("up.count", maximum: 9)))

        try registry.register(definition("configured", maximum: 1))
        #expect(throws: RuntimeError.self) {
            try registry.replace(definition("configured", maximum: 2), origin: "gateway")
        }
        #expect(registry.definition(named: "configured") == (try definition("configured", maximum: 1)))

        #expect(throws: RuntimeError.self) { try registry.replace(definition("up.count", maximum: 1), origin: "other") }
        #expect(registry.definition(named: "up.count") == (try definition("up.count", maximum: 9)))

        try registry.register(definition("handled", maximum: 1), handler: ClosureToolHandler { _, _ in [:] })
        #expect(throws: RuntimeError.self) {
            try registry.replace(definition("handled", maximum: 3), origin: "gateway")
        }

        // A name an origin holds cannot be taken by a plain registration either.
        #expect(throws: RuntimeError.self) { try registry.register(definition("up.count", maximum: 9)) }
    }

    /// An origin removes only its own tools, and only those it picks; a removed tool is denied
    /// at the registry step from the next decision.
    @Test func anOriginRemovesOnlyItsOwnTools() async throws {
        let fixture = try GateFixture()
        let registry = fixture.runtime.tools
        try registry.replace(definition("up.count", maximum: 5), origin: "gateway")
        try registry.replace(definition("up.sum", maximum: 5), origin: "gateway")
        try registry.replace(definition("other.count", maximum: 5), origin: "elsewhere")
        try registry.register(definition("up.configured", maximum: 1))
        try registry.register(definition("up.handled", maximum: 1), handler: ClosureToolHandler { _, _ in [:] })

        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let call = ToolCall(tool: "up.count", arguments: ["n": 1])
        #expect(fixture.runtime.explain(call, in: session).decision.step != .registry)

        #expect(registry.remove(origin: "gateway") { $0 == "nothing.here" }.isEmpty)
        let removed = registry.remove(origin: "gateway") { $0.hasPrefix("up.") || $0.hasPrefix("other.") }
        #expect(removed.sorted() == ["up.count", "up.sum"])
        #expect(registry.definition(named: "up.count") == nil && registry.definition(named: "up.sum") == nil)
        #expect(registry.definition(named: "other.count") != nil)
        #expect(registry.definition(named: "up.configured") != nil && registry.definition(named: "up.handled") != nil)
        #expect(fixture.runtime.explain(call, in: session).decision.step == .registry)
        // Removed, the name can be offered again.
        #expect(try registry.replace(definition("up.count", maximum: 5), origin: "gateway"))
    }

    /// A list of replacements answers for each tool in order: new, unchanged, or refused
    /// because the name is registered otherwise; the refused one keeps its definition.
    @Test func aListOfReplacementsAnswersForEachTool() throws {
        let registry = ToolRegistry()
        try registry.register(definition("configured", maximum: 1))
        try registry.replace(definition("up.same", maximum: 2), origin: "gateway")
        let results = registry.replace(
            [
                try definition("up.new", maximum: 1), try definition("up.same", maximum: 2),
                try definition("configured", maximum: 9), try definition("up.new", maximum: 3),
            ],
            origin: "gateway"
        )
        #expect(results.count == 4)
        #expect((try? results[0].get()) == true)
        #expect((try? results[1].get()) == false)
        #expect(throws: RuntimeError.self) { try results[2].get() }
        #expect((try? results[3].get()) == true, "a later definition of the same name replaces the earlier one")
        #expect(registry.definition(named: "up.new") == (try definition("up.new", maximum: 3)))
        #expect(registry.definition(named: "configured") == (try definition("configured", maximum: 1)))
        #expect(registry.replace([], origin: "gateway").isEmpty)
    }

    /// A replaced schema decides the next call.
    @Test func theNextDecisionReadsTheReplacedSchema() async throws {
        let fixture = try GateFixture()
        try fixture.runtime.tools.replace(definition("up.count", maximum: 5), origin: "gateway")
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let call = ToolCall(tool: "up.count", arguments: ["n": 7])
        #expect(fixture.runtime.explain(call, in: session).decision.step == .schema)
        try fixture.runtime.tools.replace(definition("up.count", maximum: 10), origin: "gateway")
        #expect(fixture.runtime.explain(call, in: session).decision.step != .schema)
    }
}

/// Lookups read a published table without the registry's lock while registrations replace it.
@Suite struct ToolRegistryConcurrencyTests {
    @Test func lookupsRacingRegistrationsFindEveryToolRegisteredBeforeTheyBegan() async throws {
        let registry = ToolRegistry()
        let registered = SharedNumber(0)
        let missed = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for index in 0..<300 {
                    try registry.register(try ToolDefinition(name: "tool.\(index)"))
                    registered.store(index + 1)
                    if index % 20 == 0 { await Task.yield() }
                }
                return 0
            }
            for _ in 0..<2 {
                group.addTask {
                    var missed = 0
                    var rounds = 0
                    while registered.load() < 300 || rounds < 50 {
                        let known = registered.load()
                        for index in stride(from: 0, to: known, by: 7)
                        where registry.definition(named: "tool.\(index)")?.name != "tool.\(index)" {
                            missed += 1
                        }
                        rounds += 1
                        await Task.yield()
                    }
                    return missed
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(missed == 0)
        #expect(registry.definitions.count == 300)
        #expect(registry.definition(named: "tool.300") == nil)
    }
}
