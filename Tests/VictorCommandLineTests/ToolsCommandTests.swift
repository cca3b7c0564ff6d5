import Foundation
import Testing
import VictorTestSupport

@Suite struct ToolsCommandTests {
    let directories = TemporaryDirectories()

    static let authorization = """
        roles:
          agent:
            permissions:
              - {resource: "tools/*", action: execute}
        users:
          alice: {roles: [agent]}
        policies:
          - {name: no-secrets, effect: deny, resource: tools/read_file, action: execute, conditions: {context.args.path: {contains: secret}}}
          - {name: confirm-deploys, effect: approve, resource: tools/deploy, action: execute}
        """

    static let configuration = """
        authorization: authz.yaml
        personas:
          store: personas
        tools:
          - name: read_file
            input_schema: {type: object, properties: {path: {type: string}}, required: [path], additionalProperties: false}
            policy_arguments: [path]
          - name: deploy
          - name: shell
        """

    /// A directory holding `victor.yaml` and `authz.yaml`.
    func setUp() throws -> String {
        let root = directories.make()
        try Self.authorization.write(toFile: root + "/authz.yaml", atomically: true, encoding: .utf8)
        try Self.configuration.write(toFile: root + "/victor.yaml", atomically: true, encoding: .utf8)
        return root
    }

    @Test func checkPrintsTheDecisionAndEveryStep() async throws {
        let root = try setUp()
        let run = await victor([
            "tools", "check", "--config", root + "/victor.yaml", "--user", "alice", "--persona", "code_reviewer",
            "--tool", "read_file", "--arguments", #"{"path": "/secret/key"}"#,
        ])
        #expect(run.status == 0)
        #expect(run.outputLines.first == "denied at policy: denied: forbidden by policy 'no-secrets'")
        #expect(run.outputLines.contains("  schema: the arguments match"))
        #expect(run.outputLines.contains { $0.contains("deny policy 'no-secrets' forbids the request") })
        #expect(run.standardError.isEmpty)
    }

    struct Decision: Decodable {
        var verdict: String
        var step: String
        var policy: String?
        var violations: [String]
        var remaining_calls: Int?
        var steps: [String]?
    }

    @Test func checkSpeaksJSON() async throws {
        let root = try setUp()
        let run = await victor([
            "tools", "check", "--config", root + "/victor.yaml", "--user", "alice", "--persona", "code_reviewer",
            "--tool", "read_file", "--arguments", #"{"path": 3, "mode": "w"}"#, "--format", "json",
        ])
        #expect(run.status == 0)
        let decision = try run.decodedOutput(as: Decision.self)
        #expect(decision.verdict == "denied" && decision.step == "schema")
        #expect(
            decision.violations.sorted() == [
                "/mode: is not a declared argument", "/path: expected string, found integer",
            ]
        )
        #expect(decision.policy == nil && decision.remaining_calls == nil)
        #expect(decision.steps?.isEmpty == false)
    }

    @Test func badInputGetsLocatedErrorsAndExitTwo() async throws {
        let root = try setUp()
        let base = [
            "tools", "check", "--config", root + "/victor.yaml", "--user", "alice", "--persona", "code_reviewer",
        ]
        let json = await victor(base + ["--tool", "read_file", "--arguments", "{path: 1}"])
        #expect(json.status == 2)
        #expect(json.errorLines == ["--arguments:1:2: not JSON: 'path' must be quoted"])
        try "tools:\n  - name: a/b\n    colour: red\n".write(
            toFile: root + "/bad.yaml",
            atomically: true,
            encoding: .utf8
        )
        let config = await victor([
            "tools", "check", "--config", root + "/bad.yaml", "--user", "alice", "--persona", "x", "--tool", "a",
        ])
        #expect(config.status == 2)
        #expect(config.errorLines.contains { $0.hasPrefix(root + "/bad.yaml:3:5: tools[0].colour: unknown key") })
        #expect(config.errorLines.contains { $0.contains("tools[0].name") && $0.contains("U+002F") })
        let persona = await victor(base.dropLast(2) + ["--persona", "nobody", "--tool", "shell"])
        #expect(persona.status == 1)
        #expect(persona.errorLines == ["error: no persona 'nobody'"])
    }

    @Test func replayAppliesBudgetsAndFailsOnUnmetExpectations() async throws {
        let root = try setUp()
        let traffic = """
            {"type": "session", "session": "s1", "user": "alice", "persona": "code_reviewer"}
            {"type": "call", "session": "s1", "tool": "read_file", "arguments": {"path": "README.md"}, "expect": "allowed"}
            {"type": "call", "session": "s1", "tool": "read_file", "arguments": {"path": "/secret"}, "expect": "denied", "expect_step": "policy"}

            {"type": "call", "session": "s1", "tool": "deploy", "expect": "approval_required"}
            """
        try traffic.write(toFile: root + "/ok.jsonl", atomically: true, encoding: .utf8)
        let passing = await victor(["tools", "replay", "--config", root + "/victor.yaml", root + "/ok.jsonl"])
        #expect(passing.status == 0)
        #expect(
            passing.outputLines.last
                == "3 calls: 1 allowed, 1 denied, 1 approval required; 0 failed expectations, 0 changed from the recording"
        )
        try (traffic + "\n" + #"{"type": "call", "session": "s1", "tool": "shell", "expect": "allowed"}"#)
            .write(toFile: root + "/fail.jsonl", atomically: true, encoding: .utf8)
        let failing = await victor(["tools", "replay", "--config", root + "/victor.yaml", root + "/fail.jsonl"])
        #expect(failing.status == 1)
        #expect(
            failing.outputLines.contains { $0.hasPrefix(root + "/fail.jsonl:6: s1 shell: denied at persona FAILED") }
        )
    }

    @Test func replayBudgetsCountAcrossTheFile() async throws {
        let root = try setUp()
        var lines = [#"{"type": "session", "session": "s", "user": "alice", "persona": "devops_engineer"}"#]
        // devops_engineer allows 40 calls.
        for _ in 0..<41 { lines.append(#"{"type": "call", "session": "s", "tool": "deploy"}"#) }
        lines[1] = #"{"type": "call", "session": "s", "tool": "shell"}"#
        try lines.joined(separator: "\n").write(toFile: root + "/budget.jsonl", atomically: true, encoding: .utf8)
        let run = await victor([
            "tools", "replay", "--config", root + "/victor.yaml", root + "/budget.jsonl", "--format", "json",
        ])
        #expect(run.status == 0)
        #expect(run.standardOutput.contains("\"failed\":0"))
    }

    @Test func replayRefusesMalformedLinesBeforeDecidingAny() async throws {
        let root = try setUp()
        try """
        {"type": "session", "session": "s1", "user": "alice", "persona": "code_reviewer"}
        {"type": "call", "session": "s1", "tool": "shell", "expect": "maybe"}
        not json
        """.write(toFile: root + "/bad.jsonl", atomically: true, encoding: .utf8)
        let run = await victor(["tools", "replay", "--config", root + "/victor.yaml", root + "/bad.jsonl"])
        #expect(run.status == 2)
        #expect(run.standardOutput.isEmpty)
        #expect(run.errorLines.count == 2)
        #expect(
            run.errorLines[0].hasPrefix(root + "/bad.jsonl:2: 'expect' must be allowed, denied or approval_required")
        )
        #expect(run.errorLines[1].hasPrefix(root + "/bad.jsonl:3:1: not JSON"))
    }
}
