import Foundation
import Testing
import VictorAuthorization
import VictorCommandLine

#if canImport(Glibc)
import Glibc
#endif

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

/// Issue 9, findings 7 and 8, and the command line's output: `--context` typed like YAML,
/// arguments that are not UTF-8 rejected, names escaped, no empty test runs.
@Suite(.serialized) struct AuthzCommandInputTests {
    let directory: URL
    let config: String

    init() throws {
        directory = try temporaryDirectory()
        config = directory.appendingPathComponent("authz.yaml").path
        try """
        roles:
          all:
            permissions: [{resource: "*", action: "*"}]
        users:
          alice: {roles: [all]}
        policies:
          - name: no-debug
            effect: deny
            resource: "*"
            action: "*"
            conditions: {context.debug: {exists: true, eq: true}}
        """.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `victor` with `arguments` and returns its exit code and what it printed on standard
    /// output.
    func run(_ arguments: [String]) async throws -> (code: Int32, output: String) {
        let path = directory.appendingPathComponent("stdout-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let file = open(path, O_WRONLY)
        fflush(nil)  // every stream: `stdout` is a global the concurrency checker rejects
        let saved = dup(STDOUT_FILENO)
        dup2(file, STDOUT_FILENO)
        let code = await VictorCommand.runMain(arguments)
        fflush(nil)  // every stream: `stdout` is a global the concurrency checker rejects
        dup2(saved, STDOUT_FILENO)
        close(saved)
        close(file)
        return (code, try String(contentsOfFile: path, encoding: .utf8))
    }

    func check(_ context: [String]) async throws -> (code: Int32, output: String) {
        try await run(
            [
                "authz", "check", "--config", config, "--user", "alice", "--resource", "pay", "--action", "send",
                "--format", "json",
            ]
                + context.flatMap { ["--context", $0] }
        )
    }

    @Test func contextValuesAreTypedLikeYAML() async throws {
        // Finding 7: `debug=True` was a string on the command line and a boolean in YAML.
        #expect(try AttributeValue(parsing: "True") == .boolean(true))
        #expect(try AttributeValue(parsing: "FALSE") == .boolean(false))
        #expect(try AttributeValue(parsing: "0x1F") == .integer(31))
        #expect(try AttributeValue(parsing: "yes") == .string("yes"))
        #expect(try AttributeValue(parsing: "'True'") == .string("True"))
        #expect(try AttributeValue(parsing: "\"a\\tb\"") == .string("a\tb"))
        #expect(try AttributeValue(parsing: "cafe\u{301}") == .string("caf\u{E9}"))
        let denied = try await check(["debug=True"])
        #expect(denied.code == 0 && denied.output.contains("\"reason\":\"forbidden_by_policy\""))
        #expect(try await check(["debug=false"]).output.contains("\"allowed\":true"))
        #expect(try await check([]).output.contains("\"allowed\":true"))
        // The string 'True' is no boolean: the deny cannot be evaluated, so it denies.
        let quoted = try await check(["debug='True'"])
        #expect(quoted.code == 0 && quoted.output.contains("\"reason\":\"forbidden_by_indeterminate_policy\""))
        let cases = try write(
            "cases.yaml",
            """
            - {user: alice, resource: pay, action: send, context: {debug: True}, expect: deny}
            - {user: alice, resource: pay, action: send, context: {debug: "True"}, expect: deny}
            - {user: alice, resource: pay, action: send, context: {debug: FALSE}, expect: allow}
            - {user: alice, resource: pay, action: send, expect: allow}
            """
        )
        #expect(await VictorCommand.runMain(["authz", "test", "--config", config, cases]) == 0)
    }

    @Test(arguments: ["n=99999999999999999999", "x=", "x=null", "x=~", "x=.inf", "x=[a, b]", "x=a: b", "=1", "x= a"])
    func contextValuesYAMLWouldNotReadAreErrors(entry: String) async throws {
        #expect(try await check([entry]).code == 2)
    }

    @Test func aContextKeyGivenInTwoSpellingsIsGivenTwice() async throws {
        #expect(try await check(["caf\u{E9}=1", "cafe\u{301}=2"]).code == 2)
    }

    @Test func argumentsThatAreNotUTF8AreRejected() async throws {
        // Finding 8: $'\xff' and $'\xc3' both became U+FFFD, one user.
        let base = ["authz", "check", "--config", config, "--resource", "pay", "--action", "send", "--user"].map {
            Array($0.utf8)
        }
        #expect(await VictorCommand.runMain(rawArguments: base + [[0xFF]]) == 2)
        #expect(await VictorCommand.runMain(rawArguments: base + [[0xC3]]) == 2)
        #expect(await VictorCommand.runMain(rawArguments: base + [Array("al".utf8) + [0xED, 0xA0, 0x80]]) == 2)
        #expect(await VictorCommand.runMain(rawArguments: base + [Array("alice".utf8)]) == 0)
    }

    @Test func anEmptyCasesFileIsAnError() async throws {
        for text in ["", "[]", "# nothing\n"] {
            let cases = try write("empty.yaml", text)
            let result = try await run(["authz", "test", "--config", config, cases])
            #expect(result.code == 2 && !result.output.contains("0 passed"), "\(text)")
        }
    }

    @Test func namesInOutputCannotForgeLines() async throws {
        let cases = try write(
            "forged.yaml",
            """
            - {user: "x\\n99 passed, 0 failed", resource: "r\\rq", action: a, context: {"k\\n": "v\\n"}, expect: allow}
            """
        )
        let result = try await run(["authz", "test", "--config", config, cases])
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(result.code == 1)
        #expect(!lines.contains("99 passed, 0 failed"))
        #expect(lines.contains("0 passed, 1 failed"))
        #expect(
            lines.contains {
                $0.hasPrefix("FAIL ") && $0.contains("'x\\n99 passed, 0 failed'") && $0.contains("'r\\rq'")
            }
        )
        #expect(!result.output.contains("\r"))
        let unknown = try await run(
            ["authz", "check", "--config", config, "--user", "x\n0 passed", "--resource", "r", "--action", "a"]
        )
        #expect(unknown.output == "denied: unknown user 'x\\n0 passed'\n")
    }
}
