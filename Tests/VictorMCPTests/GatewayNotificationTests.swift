import Foundation
import Testing

/// Cancellation, the per-upstream bound on calls at once, and `notifications/tools/list_changed`,
/// seen by the official Python MCP SDK's client through `victor mcp`.
extension GatewayTests {
    /// The log lines of the upstream as JSON objects.
    static func logLines(_ setup: Setup) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: setup.upstreamLog) else { return [] }
        return try String(contentsOfFile: setup.upstreamLog, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    static func steps(_ output: [String: Any]) -> [[String: Any]] {
        output["steps"] as? [[String: Any]] ?? []
    }

    static func names(_ step: [String: Any]) -> [String] {
        step["tools"] as? [String] ?? []
    }

    @Test func aCancelledCallIsCancelledUpstream() async throws {
        let setup = try await setUp()
        let output = try await client(
            [
                "list": false,
                "steps": [
                    [
                        "cancel": ["tool": "fx.slow", "arguments": ["seconds": 60]], "log": setup.upstreamLog,
                        "match": ["tool": "slow"],
                    ],
                    ["waitForLog": setup.upstreamLog, "match": ["tool": "slow", "cancelled": true]],
                    ["call": ["tool": "fx.echo", "arguments": ["text": "after"]]],
                ],
            ],
            setup: setup,
            user: "bob",
            persona: "coach"
        )
        let steps = Self.steps(output)
        try #require(steps.count == 3)
        #expect(steps[0]["arrived"] as? Bool == true, "the call reached the upstream before it was cancelled")
        #expect(steps[1]["found"] as? Bool == true, "the upstream noticed the cancellation")
        #expect(Self.text(steps[2]) == "after")

        // The upstream was cancelled for the request the gateway had sent it.
        let slow = try Self.logLines(setup).filter { $0["tool"] as? String == "slow" }
        try #require(slow.count == 2)
        #expect(slow[1]["cancelled"] as? Bool == true)
        #expect(slow[0]["request"] as? String == slow[1]["request"] as? String)
        // On stdio the call took the fast path: the gateway's own request, not the SDK client's.
        #expect((slow[0]["request"] as? String)?.hasPrefix("victor-raw-") == true)

        let outcomes = try setup.auditRecords().filter { $0["event"] as? String == "outcome" }
        #expect(outcomes.compactMap { $0["outcome"] as? String } == ["cancelled", "succeeded"])
    }

    @Test func callsAtOnceNeverExceedTheUpstreamsBound() async throws {
        let setup = try await setUp(maxConcurrentCalls: 2)
        let calls = (0..<8).map { _ -> [String: Any] in ["tool": "fx.slow", "arguments": ["seconds": 0.3]] }
        let output = try await client(
            ["list": false, "steps": [["concurrent": calls]]],
            setup: setup,
            user: "bob",
            persona: "coach"
        )
        let steps = Self.steps(output)
        try #require(steps.count == 1)
        let results = steps[0]["results"] as? [[String: Any]] ?? []
        #expect(results.count == 8)
        #expect(results.allSatisfy { Self.text($0) == "done" }, "\(results)")

        // Each line holds the calls in flight upstream when one started: never more than two,
        // and two at some point (the runtime's own bound is four, so the upstream's is the one
        // that held).
        let inFlight = try Self.logLines(setup).compactMap { $0["inflight"] as? Int }
        #expect(inFlight.count == 8)
        #expect(inFlight.max() == 2)
    }

    @Test func anUpstreamsNewToolListReachesTheClient() async throws {
        let setup = try await setUp()
        let output = try await client(
            [
                "list": false,
                "steps": [
                    ["list": true],
                    ["call": ["tool": "fx.grow", "arguments": [:]]],
                    ["waitForListChanged": 10],
                    ["list": true],
                    ["call": ["tool": "fx.grown", "arguments": [:]]],
                ],
            ],
            setup: setup,
            user: "bob",
            persona: "coach"
        )
        let steps = Self.steps(output)
        try #require(steps.count == 5)
        #expect(!Self.names(steps[0]).contains("fx.grown"))
        #expect(Self.text(steps[1]) == "grew")
        #expect(steps[2]["listChanged"] as? Bool == true)
        #expect(Self.names(steps[3]).contains("fx.grown"))
        #expect(Self.text(steps[4]) == "grown")
    }

    /// An upstream that changes a tool's input schema: the gate decides the next call by the
    /// new schema, without a restart.
    @Test func anUpstreamsChangedSchemaDecidesTheNextCall() async throws {
        let setup = try await setUp()
        let output = try await client(
            [
                "list": false,
                "steps": [
                    ["call": ["tool": "fx.grow", "arguments": [:]]],
                    ["waitForListChanged": 10],
                    ["call": ["tool": "fx.grown", "arguments": [:]]],
                    ["call": ["tool": "fx.reshape", "arguments": [:]]],
                    ["waitForListChanged": 10],
                    ["list": true],
                    ["call": ["tool": "fx.grown", "arguments": [:]]],
                    ["call": ["tool": "fx.grown", "arguments": ["word": "again"]]],
                ],
            ],
            setup: setup,
            user: "bob",
            persona: "coach"
        )
        let steps = Self.steps(output)
        try #require(steps.count == 8)
        #expect(Self.text(steps[2]) == "grown")
        #expect(steps[4]["listChanged"] as? Bool == true)
        #expect(Self.names(steps[5]).contains("fx.grown"))
        #expect(Self.isError(steps[6]) && Self.text(steps[6]).hasPrefix("denied at schema"), "\(steps[6])")
        #expect(Self.text(steps[7]) == "grown again")
        // The call the new schema refused never reached the upstream.
        let grown = try Self.logLines(setup).filter { $0["tool"] as? String == "grown" }
        #expect(grown.count == 2)
    }

    /// An upstream that stops offering a tool: the gateway stops listing it and the gate denies
    /// a call to it at the registry step, so the upstream never receives the call.
    @Test func aToolTheUpstreamNoLongerOffersIsDeniedAtTheRegistry() async throws {
        let setup = try await setUp()
        let output = try await client(
            [
                "list": false,
                "steps": [
                    ["call": ["tool": "fx.grow", "arguments": [:]]],
                    ["waitForListChanged": 10],
                    ["call": ["tool": "fx.grown", "arguments": [:]]],
                    ["call": ["tool": "fx.prune", "arguments": [:]]],
                    ["waitForListChanged": 10],
                    ["list": true],
                    ["call": ["tool": "fx.grown", "arguments": [:]]],
                ],
            ],
            setup: setup,
            user: "bob",
            persona: "coach"
        )
        let steps = Self.steps(output)
        try #require(steps.count == 7)
        #expect(Self.text(steps[2]) == "grown")
        #expect(Self.text(steps[3]) == "pruned")
        #expect(steps[4]["listChanged"] as? Bool == true)
        #expect(!Self.names(steps[5]).contains("fx.grown"))
        #expect(Self.names(steps[5]).contains("fx.prune"))
        #expect(Self.isError(steps[6]) && Self.text(steps[6]).hasPrefix("denied at registry"), "\(steps[6])")
        let grown = try Self.logLines(setup).filter { $0["tool"] as? String == "grown" }
        #expect(grown.count == 1)
    }

    @Test func aReloadedAuthorizationChangesTheListAndTellsTheClient() async throws {
        let setup = try await setUp()
        let stricter =
            Self.authorization + """

                  - name: bob-never-echoes
                    effect: deny
                    resource: tools/fx.echo
                    action: execute
                    subjects: [bob]
                """
        let output = try await client(
            [
                "list": false,
                "steps": [
                    ["list": true],
                    ["call": ["tool": "fx.echo", "arguments": ["text": "before"]]],
                    ["write": setup.root + "/authz.yaml", "text": stricter],
                    // SIGHUP to the gateway, the parent of the upstream that logged the echo.
                    ["hangup": setup.upstreamLog],
                    ["waitForListChanged": 10],
                    ["list": true],
                    ["call": ["tool": "fx.echo", "arguments": ["text": "after"]]],
                ],
            ],
            setup: setup,
            user: "bob",
            persona: "coach"
        )
        let steps = Self.steps(output)
        try #require(steps.count == 7)
        #expect(Self.names(steps[0]).contains("fx.echo"))
        #expect(Self.text(steps[1]) == "before")
        #expect(steps[4]["listChanged"] as? Bool == true)
        #expect(!Self.names(steps[5]).contains("fx.echo"))
        #expect(Self.names(steps[5]).contains("fx.add"))
        #expect(Self.isError(steps[6]))
        #expect(Self.text(steps[6]).hasPrefix("denied at policy"))
        #expect(Self.text(steps[6]).contains("bob-never-echoes"))
        #expect(try setup.upstreamCalls().map(\.tool) == ["echo"])
    }
}
