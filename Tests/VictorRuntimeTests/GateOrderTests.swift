import MetricsTestKit
import Testing
import VictorAuthorization
import VictorPersonas
import VictorRuntime
import VictorTelemetry

@Suite struct GateOrderTests {
    @Test func aPermittedCallIsAllowedByPolicyAndSpendsBudget() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        #expect(session.remainingCalls == 3)
        let decision = fixture.runtime.authorize(ToolCall(tool: "search", arguments: ["query": "flaky"]), in: session)
        #expect(decision.verdict == .allowed)
        #expect(decision.step == .policy)
        #expect(decision.authorization?.reason == .allowedByRole)
        #expect(decision.remainingCalls == 2)
        #expect(session.callsAllowed == 1)
    }

    @Test(arguments: [
        ("", "a tool name cannot be empty"),
        ("tools/search", "contains U+002F"),
        ("sea rch", "contains U+0020"),
        ("e\u{301}", "not in Unicode Normalization Form C"),
        // Invisible characters: a format character, a bidirectional override, a variation
        // selector, a soft hyphen, a tag character.
        ("sea\u{200B}rch", "contains U+200B"),
        ("search\u{202E}", "contains U+202E"),
        ("search\u{FE0F}", "contains U+FE0F"),
        ("sea\u{AD}rch", "contains U+00AD"),
        ("search\u{E0041}", "contains U+E0041"),
    ])
    func malformedNamesAreDeniedAtTheCallStep(name: String, reason: String) async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let decision = fixture.runtime.authorize(ToolCall(tool: name), in: session)
        #expect(decision.verdict == .denied)
        #expect(decision.step == .call || (name == "e\u{301}" && decision.step == .registry))
        if decision.step == .call { #expect(decision.reason.contains(reason)) }
        if name != "e\u{301}" {  // a name in NFD is normalized when defined
            #expect(throws: RuntimeError.self, "a tool cannot be defined under a name it cannot be called by") {
                try ToolDefinition(name: name)
            }
        }
    }

    @Test func argumentsMustBeABoundedObject() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let array = fixture.runtime.authorize(ToolCall(tool: "search", arguments: ["a", "b"]), in: session)
        #expect(array.step == .call && array.reason.contains("must be a JSON object, not array"))
        var deep: JSONValue = "leaf"
        for _ in 0..<70 { deep = ["x": deep] }
        let nested = fixture.runtime.authorize(ToolCall(tool: "search", arguments: deep), in: session)
        #expect(nested.step == .call && nested.reason.contains("deeper than 64"))
    }

    @Test func unregisteredToolsAreDeniedBeforeTheirArgumentsAreLookedAt() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let decision = fixture.runtime.authorize(ToolCall(tool: "rm", arguments: ["anything": [1, 2]]), in: session)
        #expect(decision.verdict == .denied)
        #expect(decision.step == .registry)
        #expect(decision.reason == "no tool named 'rm' is registered")
    }

    @Test func argumentsBreakingTheSchemaAreDeniedWithEveryViolation() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let decision = fixture.runtime.authorize(
            ToolCall(tool: "search", arguments: ["limit": 51, "extra": true]),
            in: session
        )
        #expect(decision.step == .schema)
        #expect(
            decision.violations.map(\.description).sorted() == [
                "/extra: is not a declared argument", "/limit: must be at most 50",
                "arguments: missing required 'query'",
            ]
        )
        #expect(session.callsAllowed == 0)
    }

    @Test func schemaComesBeforeThePersona() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "reader")
        let decision = fixture.runtime.authorize(ToolCall(tool: "search", arguments: [:]), in: session)
        #expect(decision.step == .schema)
        // Empty arguments are checked against the schema like any others.
        #expect(decision.violations == [SchemaViolation(path: "", message: "missing required 'query'")])
    }

    @Test func forbiddenToolsAndAllowListsAreDeniedAtThePersonaStep() async throws {
        let fixture = try GateFixture()
        let worker = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let shell = fixture.runtime.authorize(ToolCall(tool: "shell"), in: worker)
        #expect(shell.step == .persona && shell.verdict == .denied)
        #expect(shell.reason == "persona 'worker' forbids 'shell'")
        let reader = try await fixture.runtime.openSession(user: "alice", persona: "reader")
        let deploy = fixture.runtime.authorize(ToolCall(tool: "deploy", arguments: ["env": "dev"]), in: reader)
        #expect(deploy.step == .persona)
        #expect(deploy.reason == "persona 'reader' allows only 'read_file', 'search'")
        #expect(worker.callsAllowed == 0 && reader.callsAllowed == 0)
    }

    /// Short tool lists are scanned and long ones hashed; both decide alike, on either side of
    /// the switch.
    @Test(arguments: [1, 8, 9, 30])
    func personaToolListsOfAnyLengthDecideAlike(length: Int) async throws {
        let fillers = (1..<length).map { "tool_\($0)" }
        let fixture = try GateFixture(extraPersonas: [
            Persona(
                id: "forbids",
                name: "Forbids",
                description: "Forbids a list",
                personality: .pragmatic,
                communicationStyle: .direct,
                constraints: PersonaConstraints(forbiddenTools: Set(["shell"] + fillers))
            ),
            Persona(
                id: "allows",
                name: "Allows",
                description: "Allows a list",
                personality: .pragmatic,
                communicationStyle: .direct,
                constraints: PersonaConstraints(allowedTools: Set(["noop"] + fillers))
            ),
        ])
        let forbids = try await fixture.runtime.openSession(user: "alice", persona: "forbids")
        #expect(fixture.runtime.authorize(ToolCall(tool: "shell"), in: forbids).step == .persona)
        #expect(fixture.runtime.authorize(ToolCall(tool: "noop"), in: forbids).allowed)
        let allows = try await fixture.runtime.openSession(user: "alice", persona: "allows")
        #expect(fixture.runtime.authorize(ToolCall(tool: "noop"), in: allows).allowed)
        let shell = fixture.runtime.authorize(ToolCall(tool: "shell"), in: allows)
        #expect(shell.step == .persona && shell.verdict == .denied)
        // Listing applies the same lists.
        #expect(fixture.runtime.tools(for: allows).map(\.name) == ["noop"])
    }

    @Test func aSpentBudgetDeniesAtTheBudgetStep() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        for _ in 0..<3 {
            #expect(fixture.runtime.authorize(ToolCall(tool: "noop"), in: session).allowed)
        }
        let fourth = fixture.runtime.authorize(ToolCall(tool: "noop"), in: session)
        #expect(fourth.step == .budget && fourth.verdict == .denied)
        #expect(fourth.reason == "the session's budget of 3 tool calls is spent")
        #expect(fourth.remainingCalls == 0)
    }

    @Test func deniedCallsSpendNoBudget() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "mallory", persona: "worker")
        for _ in 0..<5 {
            let decision = fixture.runtime.authorize(ToolCall(tool: "noop"), in: session)
            #expect(decision.step == .policy && decision.verdict == .denied)
            #expect(decision.authorization?.reason == .notPermitted)
        }
        #expect(session.remainingCalls == 3)
    }

    @Test func policiesReadTheDeclaredArguments() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let secret = fixture.runtime.authorize(
            ToolCall(tool: "read_file", arguments: ["path": "/etc/secret"]),
            in: session
        )
        #expect(secret.step == .policy && secret.verdict == .denied)
        #expect(secret.policy == "no-secrets")
        let readme = fixture.runtime.authorize(
            ToolCall(tool: "read_file", arguments: ["path": "README.md"]),
            in: session
        )
        #expect(readme.allowed)
    }

    @Test func undeclaredArgumentsNeverReachTheAuthorizer() async throws {
        // `query` is not a policy argument of search; a deny policy on `context.args.query` existing
        // would forbid the call if it leaked into the context.
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let call = ToolCall(tool: "search", arguments: ["query": "flaky"])
        #expect(fixture.runtime.authorize(call, in: session).allowed)
        let explanation = fixture.runtime.explain(call, in: session)
        #expect(explanation.decision.allowed)
        #expect(explanation.steps.contains { $0.contains("context.args.query is missing") })
        // A declared one does reach it.
        let declared = fixture.runtime.explain(ToolCall(tool: "deploy", arguments: ["env": "dev"]), in: session)
        #expect(declared.steps.contains { $0.contains("context.args.env is \"dev\"") })
    }

    @Test func approvePoliciesHoldCallsForApproval() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let decision = fixture.runtime.authorize(ToolCall(tool: "deploy", arguments: ["env": "prod"]), in: session)
        #expect(decision.verdict == .approvalRequired)
        #expect(decision.step == .policy)
        #expect(decision.policy == "confirm-prod-deploys")
        #expect(session.callsAllowed == 0, "a held call spends nothing until approved")
    }

    @Test func sessionsRejectReservedContextKeysAndUnknownPersonas() async throws {
        let fixture = try GateFixture()
        for key in ["persona", "session", "persona_version", "args.path"] {
            await #expect {
                _ = try await fixture.runtime.openSession(user: "alice", persona: "worker", context: [key: "x"])
            } throws: { error in
                (error as? RuntimeError)?.code == .invalidArgument
            }
        }
        await #expect {
            _ = try await fixture.runtime.openSession(user: "alice", persona: "nobody")
        } throws: { error in
            (error as? RuntimeError)?.code == .persona
        }
        await #expect {
            _ = try await fixture.runtime.openSession(user: "", persona: "worker")
        } throws: { error in
            (error as? RuntimeError)?.code == .invalidArgument
        }
    }

    @Test func sessionFactsReachPolicies() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(
            user: "alice",
            persona: "worker",
            context: ["env": "prod"],
            id: "s-1"
        )
        #expect(session.policyContext["persona"] == .string("worker"))
        #expect(session.policyContext["persona_version"] == .integer(1))
        #expect(session.policyContext["session"] == .string("s-1"))
        #expect(session.policyContext["env"] == .string("prod"))
    }
}

@Suite struct RuntimeMetricsTests {
    @Test func decisionsAndOutcomesAreCountedByVerdictStepAndOutcome() async throws {
        let metrics = TestMetrics()
        let base = try GateFixture()
        let runtime = AgentRuntime(
            tools: base.runtime.tools,
            personas: base.runtime.personas,
            authorizer: base.runtime.authorizer,
            executor: base.runtime.executor,
            audit: MemoryAuditSink(),
            telemetry: Telemetry(dimensions: [("instance", "t")], metricsFactory: metrics)
        )
        let session = try await runtime.openSession(user: "alice", persona: "worker")
        _ = runtime.authorize(ToolCall(tool: "shell"), in: session)
        _ = await runtime.call(ToolCall(tool: "noop"), in: session)
        _ = await runtime.call(ToolCall(tool: "deploy", arguments: ["env": "prod"]), in: session)
        func decisions(_ verdict: String, _ step: String) throws -> Int64 {
            try metrics.expectCounter(
                "victor_runtime_decisions_total",
                [("instance", "t"), ("verdict", verdict), ("step", step)]
            ).totalValue
        }
        #expect(try decisions("denied", "persona") == 1)
        #expect(try decisions("allowed", "policy") == 1)
        #expect(try decisions("denied", "approval") == 1)
        #expect(try decisions("allowed", "approval") == 0)
        let outcome = { (name: String) throws -> Int64 in
            try metrics.expectCounter("victor_runtime_calls_total", [("instance", "t"), ("outcome", name)]).totalValue
        }
        #expect(try outcome("succeeded") == 1)
        #expect(try outcome("not_run") == 1)
    }
}
