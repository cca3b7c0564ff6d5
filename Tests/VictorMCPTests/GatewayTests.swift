import Foundation
import Subprocess
import Testing
import VictorPersonas
import VictorRuntime
import VictorTestSupport

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Python 3 with the official MCP SDK, which the end-to-end tests use as the upstream server and
/// as the client. `.ci/run` installs it; without it the tests are skipped, loudly.
enum PythonMCP {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    /// `python3` on `PATH`, when it can import the MCP SDK's FastMCP server and stdio client.
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let python = path.split(separator: ":").map({ "\($0)/python3" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            print("SKIPPED: MCP gateway end-to-end tests: python3 is not on PATH")
            return nil
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import mcp.server.fastmcp, mcp.client.stdio"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        do {
            try check.run()
            check.waitUntilExit()
        } catch {
            print("SKIPPED: MCP gateway end-to-end tests: \(python) cannot run: \(error)")
            return nil
        }
        guard check.terminationStatus == 0 else {
            print("SKIPPED: MCP gateway end-to-end tests: the Python MCP SDK is missing (pip install 'mcp<2')")
            return nil
        }
        return python
    }()

    static var available: Bool { python != nil }
}

/// `victor mcp` between the official Python MCP SDK's client and a FastMCP upstream
/// (Fixtures/client.py and Fixtures/upstream.py): listing, gating, forwarding, timeouts,
/// restarts and the audit trail, seen from outside the process.
// Skipped, with a "SKIPPED:" line on standard output, when python3 or its `mcp` package is
// missing: the tests need programs this project did not write.
@Suite(.enabled(if: PythonMCP.available, "needs python3 with the MCP SDK"), .serialized)
struct GatewayTests {
    let directories = TemporaryDirectories()

    /// The `victor` executable, built beside the test bundle.
    static func victor() -> String? {
        guard let runner = Bundle.main.executablePath else { return nil }
        var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("victor").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// A directory with personas, an authorization file and a `victor.yaml` whose upstream
    /// `fx` is the fixture server, logging its calls to `upstream.log`.
    struct Setup {
        let root: String
        var configuration: String { root + "/victor.yaml" }
        var upstreamLog: String { root + "/upstream.log" }
        var auditFile: String { root + "/audit.jsonl" }

        /// The calls the upstream received: `(pid, tool, cancelled)` per line.
        func upstreamCalls() throws -> [(pid: Int, tool: String, cancelled: Bool)] {
            guard FileManager.default.fileExists(atPath: upstreamLog) else { return [] }
            return try String(contentsOfFile: upstreamLog, encoding: .utf8).split(separator: "\n").map { line in
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return (
                    object["pid"] as? Int ?? 0, object["tool"] as? String ?? "", object["cancelled"] as? Bool ?? false
                )
            }
        }

        func auditRecords() throws -> [[String: Any]] {
            try String(contentsOfFile: auditFile, encoding: .utf8).split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
        }
    }

    /// Developers may call every tool and use the persona coach; alice may not call fx.slow,
    /// and fx.add is denied for a > 100.
    static let authorization = """
        roles:
          developer:
            permissions: [{resource: "tools/*", action: execute}, {resource: "personas/coach", action: use}]
        users:
          alice: {roles: [developer]}
          bob: {roles: [developer]}
        policies:
          - name: small-sums-only
            effect: deny
            resource: tools/fx.add
            action: execute
            subjects: ["role:developer"]
            conditions: {context.args.a: {gt: 100}}
          - name: alice-never-waits
            effect: deny
            resource: tools/fx.slow
            action: execute
            subjects: [alice]
        """

    /// - Parameters:
    ///   - session: more of the `mcp` section, such as `session: {persona: worker}`.
    ///   - more: more top-level sections of `victor.yaml`.
    func setUp(
        callTimeoutMilliseconds: Int = 20_000,
        maxConcurrentCalls: Int = 8,
        session: String = "",
        more: String = ""
    ) async throws -> Setup {
        let root = directories.make("victor-mcp")
        let python = try #require(PythonMCP.python)
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: root + "/personas"))
        for persona in [
            Persona(
                id: "worker",
                name: "Worker",
                description: "Does the work",
                personality: .pragmatic,
                communicationStyle: .direct,
                constraints: PersonaConstraints(forbiddenTools: ["fx.fail"])
            ),
            Persona(
                id: "budgeted",
                name: "Budgeted",
                description: "Two calls at most",
                personality: .pragmatic,
                communicationStyle: .direct,
                constraints: PersonaConstraints(maxToolCalls: 2)
            ),
            Persona(
                id: "coach",
                name: "Coach",
                description: "Explains",
                personality: .curious,
                communicationStyle: .verbose
            ),
        ] {
            _ = try await manager.create(persona)
        }
        try Self.authorization.write(toFile: root + "/authz.yaml", atomically: true, encoding: .utf8)
        try """
        authorization: authz.yaml
        personas: {store: personas}
        limits: {call_timeout_ms: \(callTimeoutMilliseconds), max_concurrent_calls: 4}
        audit: {file: audit.jsonl, flush_interval_ms: 10}
        mcp:
          max_running_upstreams: 1
          restart_backoff_ms: 50
          \(session)
          upstreams:
            - name: fx
              command: \(python)
              args: ["\(PythonMCP.fixtures)/upstream.py"]
              env: {VICTOR_FIXTURE_LOG: upstream.log}
              cwd: .
              policy_arguments: {add: [a]}
              max_concurrent_calls: \(maxConcurrentCalls)
        \(more)
        """.write(toFile: root + "/victor.yaml", atomically: true, encoding: .utf8)
        return Setup(root: root)
    }

    /// Runs Fixtures/client.py with `spec` (its `command` and `args` filled in to start
    /// `victor mcp` unless given) and returns what it printed.
    func client(_ spec: [String: Any], setup: Setup, user: String, persona: String) async throws -> [String: Any] {
        let python = try #require(PythonMCP.python)
        let victor = try #require(Self.victor(), "the victor executable is built with the tests")
        var spec = spec
        if spec["command"] == nil {
            spec["command"] = victor
            spec["args"] = ["mcp", "--config", setup.configuration, "--user", user, "--persona", persona]
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let outcome = try await Subprocess.run(
            .path(FilePath(python)),
            arguments: [PythonMCP.fixtures + "/client.py", text],
            workingDirectory: FilePath(setup.root),
            output: .string(limit: 1 << 20),
            error: .string(limit: 1 << 20)
        )
        let output = outcome.standardOutput
        guard let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            Issue.record("client.py printed no result (\(outcome.terminationStatus)): \(outcome.standardError)")
            return [:]
        }
        return object
    }

    static func results(_ output: [String: Any]) -> [[String: Any]] {
        output["results"] as? [[String: Any]] ?? []
    }

    static func text(_ result: [String: Any]) -> String {
        (result["content"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: "\n")
    }

    /// The object as JSON with sorted keys, for comparing results.
    static func canonical(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func isError(_ result: [String: Any]) -> Bool { result["isError"] as? Bool ?? false }

    @Test func listsOnlyPermittedToolsAndForwardsOnlyAllowedCalls() async throws {
        let setup = try await setUp()
        let output = try await client(
            [
                "prompts": ["worker", "coach"],
                "calls": [
                    ["tool": "fx.echo", "arguments": ["text": "héllo"]],
                    ["tool": "fx.add", "arguments": ["a": 2, "b": 3]],
                    ["tool": "fx.fail", "arguments": ["message": "boom"]],
                    ["tool": "fx.add", "arguments": ["a": 200, "b": 1]],
                    ["tool": "fx.slow", "arguments": ["seconds": 0]],
                    ["tool": "fx.echo", "arguments": ["text": 5]],
                    ["tool": "fx.nothing", "arguments": [:]],
                ],
            ],
            setup: setup,
            user: "alice",
            persona: "worker"
        )
        // The persona forbids fail, a policy denies slow to alice, maybe's schema uses anyOf.
        let names = (output["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["fx.add", "fx.echo", "fx.exit", "fx.grow", "fx.prune", "fx.reshape"])

        // The same calls made to the upstream directly: the gateway's answers must be the same.
        let direct = try await client(
            [
                "command": try #require(PythonMCP.python),
                "args": [PythonMCP.fixtures + "/upstream.py"],
                "list": false,
                "calls": [
                    ["tool": "echo", "arguments": ["text": "héllo"]], ["tool": "add", "arguments": ["a": 2, "b": 3]],
                ],
            ],
            setup: setup,
            user: "",
            persona: ""
        )
        let results = Self.results(output)
        try #require(results.count == 7)
        let directResults = Self.results(direct)
        try #require(directResults.count == 2)
        #expect(try Self.canonical(results[0]) == Self.canonical(directResults[0]))
        #expect(try Self.canonical(results[1]) == Self.canonical(directResults[1]))
        #expect(Self.text(results[0]) == "héllo")
        #expect(Self.text(results[1]) == "5")

        let denials = [
            (2, "denied at persona"), (3, "denied at policy"), (4, "denied at policy"), (5, "denied at schema"),
        ]
        for (index, prefix) in denials {
            #expect(Self.isError(results[index]))
            #expect(Self.text(results[index]).hasPrefix(prefix), "call \(index): \(Self.text(results[index]))")
        }
        #expect(Self.text(results[3]).contains("small-sums-only"))
        #expect(Self.text(results[6]).hasPrefix("denied at registry"))

        // The upstream received the two allowed calls and nothing else (the direct client's
        // two calls come from another process).
        let calls = try setup.upstreamCalls()
        let gatewayPID = try #require(calls.first?.pid)
        #expect(calls.filter { $0.pid == gatewayPID }.map(\.tool) == ["echo", "add"])

        // Prompts: the session's persona and the one the policy lets alice use, adapted.
        let prompts = (output["prompts"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(prompts) == ["worker", "coach"])
        let texts = output["promptTexts"] as? [String: [String]] ?? [:]
        #expect(texts["worker"]?.first?.contains("You are Worker") == true)
        #expect(texts["coach"]?.first?.contains("You are Coach") == true)

        // One decision record per call, and an outcome record per forwarded call, with the
        // upstream's name and the request id in the call id.
        let records = try setup.auditRecords()
        let decisions = records.filter { $0["event"] as? String == "decision" }
        #expect(decisions.count == 7)
        let forwarded = records.filter { $0["event"] as? String == "outcome" }
        #expect(forwarded.count == 2)
        for record in decisions + forwarded {
            let id = record["call_id"] as? String ?? ""
            #expect(id.hasPrefix("fx:") || id.hasPrefix("fx.") || id.hasPrefix("-:"), "call id \(id)")
        }
        #expect(forwarded.allSatisfy { ($0["call_id"] as? String ?? "").hasPrefix("fx:") })
        #expect(Set(forwarded.compactMap { $0["outcome"] as? String }) == ["succeeded"])
    }

    @Test func aSpentBudgetDeniesWithoutReachingTheUpstream() async throws {
        let setup = try await setUp()
        let output = try await client(
            [
                "calls": [
                    ["tool": "fx.echo", "arguments": ["text": "one"]],
                    ["tool": "fx.echo", "arguments": ["text": "two"]],
                    ["tool": "fx.echo", "arguments": ["text": "three"]],
                ]
            ],
            setup: setup,
            user: "bob",
            persona: "budgeted"
        )
        let results = Self.results(output)
        try #require(results.count == 3)
        #expect(Self.text(results[0]) == "one")
        #expect(Self.text(results[1]) == "two")
        #expect(Self.isError(results[2]))
        #expect(Self.text(results[2]).hasPrefix("denied at budget"))
        #expect(try setup.upstreamCalls().map(\.tool) == ["echo", "echo"])
    }

    @Test func aHangingUpstreamTimesOutAndAFailingOneReportsItsError() async throws {
        let setup = try await setUp(callTimeoutMilliseconds: 1_500)
        let output = try await client(
            [
                "calls": [
                    ["tool": "fx.slow", "arguments": ["seconds": 60]],
                    ["tool": "fx.fail", "arguments": ["message": "boom"]],
                    ["tool": "fx.echo", "arguments": ["text": "still here"]],
                ]
            ],
            setup: setup,
            user: "bob",
            persona: "coach"
        )
        let results = Self.results(output)
        try #require(results.count == 3)
        #expect(Self.isError(results[0]))
        #expect(Self.text(results[0]).contains("did not answer in time"))
        #expect(Self.isError(results[1]))
        #expect(Self.text(results[1]).contains("boom"))
        #expect(Self.text(results[2]) == "still here")
        let records = try setup.auditRecords().filter { $0["event"] as? String == "outcome" }
        #expect(records.compactMap { $0["outcome"] as? String } == ["timed_out", "failed", "succeeded"])
    }

    @Test func anUpstreamThatExitsIsRestartedOnTheNextCall() async throws {
        let setup = try await setUp()
        let output = try await client(
            [
                "calls": [
                    ["tool": "fx.echo", "arguments": ["text": "before"]],
                    ["tool": "fx.exit", "arguments": [:]],
                    ["tool": "fx.echo", "arguments": ["text": "after"]],
                ]
            ],
            setup: setup,
            user: "bob",
            persona: "coach"
        )
        let results = Self.results(output)
        try #require(results.count == 3)
        #expect(Self.text(results[0]) == "before")
        #expect(Self.isError(results[1]))
        #expect(Self.text(results[1]).contains("exited"))
        #expect(Self.text(results[2]) == "after")
        let calls = try setup.upstreamCalls()
        #expect(calls.map(\.tool) == ["echo", "exit", "echo"])
        #expect(calls.count == 3 && calls[0].pid == calls[1].pid && calls[2].pid != calls[1].pid)
    }
}
