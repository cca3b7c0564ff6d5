import Foundation
import Testing
import VictorCommandLine

@Suite struct AuthzCommandTests {
    let directory: URL
    let config: String

    init() throws {
        directory = try temporaryDirectory()
        config = directory.appendingPathComponent("authz.yaml").path
        try sampleYAML.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkExitsZeroForAllowAndDeny() async {
        let base = ["authz", "check", "--config", config, "--user", "alice", "--resource", "code"]
        #expect(await VictorCommand.runMain(base + ["--action", "read"]) == 0)
        #expect(await VictorCommand.runMain(base + ["--action", "delete", "--context", "env=prod"]) == 0)
        #expect(await VictorCommand.runMain(base + ["--action", "delete", "--format", "json"]) == 0)
        #expect(
            await VictorCommand.runMain(base + ["--action", "read", "--context", "level=5", "--context", "x=1.5"]) == 0
        )
    }

    @Test func badArgumentsAndConfigurationsExitTwo() async throws {
        let base = ["authz", "check", "--config", config, "--user", "alice", "--resource", "code"]
        #expect(await VictorCommand.runMain(base) == 2)
        #expect(await VictorCommand.runMain(base + ["--action", "read", "--context", "novalue"]) == 2)
        #expect(await VictorCommand.runMain(base + ["--action", "read", "--format", "xml"]) == 2)
        let bad = try write("bad.yaml", "users:\n  eve:\n    roles: admin\n")
        #expect(
            await VictorCommand.runMain(
                ["authz", "check", "--config", bad, "--user", "eve", "--resource", "a", "--action", "b"]
            ) == 2
        )
        #expect(
            await VictorCommand.runMain(
                [
                    "authz", "check", "--config", "/nonexistent.yaml", "--user", "eve", "--resource", "a", "--action",
                    "b",
                ]
            ) == 2
        )
    }

    @Test func explainExitsZero() async {
        let arguments = [
            "authz", "explain", "--config", config, "--user", "alice", "--resource", "code", "--action", "delete",
            "--context", "env=prod",
        ]
        #expect(await VictorCommand.runMain(arguments) == 0)
        #expect(await VictorCommand.runMain(arguments + ["--format", "json"]) == 0)
    }

    @Test func validateReportsProblems() async throws {
        #expect(await VictorCommand.runMain(["authz", "validate", "--config", config]) == 0)
        let bad = try write("bad.yaml", "roles:\n  a: {inherits: [b]}\n  b: {inherits: [a]}\n")
        #expect(await VictorCommand.runMain(["authz", "validate", "--config", bad]) == 2)
    }

    @Test func testRunsCases() async throws {
        let passing = try write(
            "cases.yaml",
            """
            - {user: alice, resource: code, action: read, expect: allow}
            - {user: alice, resource: code, action: delete, context: {env: prod}, expect: deny}
            - {user: alice, resource: tools, action: execute, context: {env: dev}, expect: allow}
            - {user: nobody, resource: code, action: read, expect: deny}
            """
        )
        #expect(await VictorCommand.runMain(["authz", "test", "--config", config, passing]) == 0)
        let failing = try write(
            "failing.yaml",
            "- {user: bob, resource: code, action: write, expect: allow}\n"
        )
        #expect(await VictorCommand.runMain(["authz", "test", "--config", config, failing]) == 1)
        let malformed = try write("malformed.yaml", "- {user: bob, resource: code, action: write, expect: maybe}\n")
        #expect(await VictorCommand.runMain(["authz", "test", "--config", config, malformed]) == 2)
    }
}
