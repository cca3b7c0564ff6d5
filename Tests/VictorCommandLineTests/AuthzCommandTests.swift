import Foundation
import Testing
import VictorAuthorization
import VictorCommandLine

/// The JSON `victor authz check` and `explain` print, decoded as a client would.
struct DecisionOutput: Decodable, Equatable {
    struct DecidedBy: Decodable, Equatable {
        var kind: String
        var name: String?
    }

    var allowed: Bool
    var reason: String
    var decidedBy: DecidedBy
    var message: String
    var steps: [String]?
}

@Suite struct AuthzCommandTests {
    let directory: String
    let config: String

    init() {
        directory = temporaryDirectory()
        config = "\(directory)/authz.yaml"
        VictorCommandLineTests.write(sampleAuthorizationYAML, to: config)
    }

    func write(_ name: String, _ text: String) -> String {
        let path = "\(directory)/\(name)"
        VictorCommandLineTests.write(text, to: path)
        return path
    }

    var check: [String] { ["authz", "check", "--config", config, "--user", "alice", "--resource", "code"] }

    @Test func checkPrintsTheDecisionForAllowAndDeny() async {
        let allowed = await victor(check + ["--action", "read"])
        #expect(allowed.status == 0)
        #expect(allowed.standardOutput == "allowed: role 'viewer' grants read on code\n")
        #expect(allowed.standardError.isEmpty)
        let denied = await victor(check + ["--action", "delete", "--context", "env=prod"])
        #expect(denied.status == 0)
        #expect(denied.standardOutput == "denied: forbidden by policy 'no-prod-deletes'\n")
        let typed = await victor(check + ["--action", "read", "--context", "level=5", "--context", "x=1.5"])
        #expect(typed.status == 0)
    }

    @Test func checkPrintsOneLineOfJSON() async throws {
        let run = await victor(check + ["--action", "delete", "--context", "env=prod", "--format", "json"])
        #expect(run.status == 0)
        #expect(run.outputLines.count == 1)
        #expect(
            try run.decodedOutput(as: DecisionOutput.self)
                == DecisionOutput(
                    allowed: false,
                    reason: "forbidden_by_policy",
                    decidedBy: .init(kind: "policy", name: "no-prod-deletes"),
                    message: "denied: forbidden by policy 'no-prod-deletes'",
                    steps: nil
                )
        )
        // `name` is present as null when nothing names the source, and `steps` absent for a check.
        let byDefault = await victor(check + ["--action", "deploy", "--format", "json"])
        #expect(
            byDefault.standardOutput
                == #"{"allowed":false,"decidedBy":{"kind":"default","name":null},"#
                + #""message":"denied: not permitted (nothing allows it; the default is deny)","reason":"not_permitted"}"#
                + "\n"
        )
    }

    @Test func badArgumentsAndConfigurationsExitTwoWithTheProblemOnStandardError() async throws {
        let missing = await victor(check)
        #expect(missing.status == 2)
        #expect(missing.standardError.hasPrefix("Error: Missing expected argument '--action <action>'"))
        let format = await victor(check + ["--action", "read", "--format", "xml"])
        #expect(format.status == 2)
        #expect(format.standardOutput.isEmpty)

        let bad = write("bad.yaml", "users:\n  eve:\n    roles: admin\n")
        let invalid = await victor([
            "authz", "check", "--config", bad, "--user", "eve", "--resource", "a", "--action", "b",
        ])
        #expect(invalid.status == 2)
        #expect(invalid.standardOutput.isEmpty)
        #expect(invalid.standardError == "\(bad):3:12: users.eve.roles: expected a list, found the string admin\n")

        let absent = await victor(
            [
                "authz", "check", "--config", "\(directory)/absent.yaml", "--user", "eve", "--resource", "a",
                "--action", "b",
            ]
        )
        #expect(absent.status == 2)
        #expect(absent.standardError == "cannot read \(directory)/absent.yaml: no such file\n")
    }

    @Test func explainPrintsEveryStepThenTheDecision() async throws {
        let arguments = [
            "authz", "explain", "--config", config, "--user", "alice", "--resource", "code", "--action", "delete",
            "--context", "env=prod",
        ]
        let text = await victor(arguments)
        #expect(text.status == 0)
        #expect(text.outputLines.first == "  configuration generation 1")
        #expect(text.outputLines.contains("  deny policy 'no-prod-deletes' forbids the request"))
        #expect(text.outputLines.last == "denied: forbidden by policy 'no-prod-deletes'")

        let json = await victor(arguments + ["--format", "json"])
        #expect(json.status == 0)
        let decision = try json.decodedOutput(as: DecisionOutput.self)
        #expect(decision.reason == "forbidden_by_policy")
        #expect(decision.steps?.first == "configuration generation 1")
        #expect(decision.steps?.last == "deny policy 'no-prod-deletes' forbids the request")
        #expect(decision.steps?.count == text.outputLines.count - 1)
    }

    @Test func validateSummarizesOrNamesFileLineAndColumn() async throws {
        let valid = await victor(["authz", "validate", "--config", config])
        #expect(valid.status == 0)
        #expect(valid.standardOutput == "\(config): valid: 3 roles, 4 users, 1 policies\n")
        let bad = write("cycle.yaml", "roles:\n  a: {inherits: [b]}\n  b: {inherits: [a]}\n")
        let cycle = await victor(["authz", "validate", "--config", bad])
        #expect(cycle.status == 2)
        #expect(cycle.standardOutput.isEmpty)
        #expect(cycle.standardError == "\(bad):2:7: roles.a.inherits: role inheritance cycle: a → b → a\n")
    }

    @Test func testRunsCasesAndPrintsFailuresAndCounts() async throws {
        let passing = write(
            "cases.yaml",
            """
            - {user: alice, resource: code, action: read, expect: allow}
            - {user: alice, resource: code, action: delete, context: {env: prod}, expect: deny}
            - {user: alice, resource: tools, action: execute, context: {env: dev}, expect: allow}
            - {user: nobody, resource: code, action: read, expect: deny}
            """
        )
        let passed = await victor(["authz", "test", "--config", config, passing])
        #expect(passed.status == 0)
        #expect(passed.standardOutput == "4 passed, 0 failed\n")

        let failing = write(
            "failing.yaml",
            """
            - {user: alice, resource: code, action: read, expect: allow}
            - {user: bob, resource: code, action: write, context: {env: dev, b: 2}, expect: allow}
            """
        )
        let failed = await victor(["authz", "test", "--config", config, failing])
        #expect(failed.status == 1)
        #expect(
            failed.outputLines == [
                "FAIL \(failing):2: bob write code b=2,env=\"dev\": expected allow, got denied: not permitted "
                    + "(nothing allows it; the default is deny)",
                "1 passed, 1 failed",
            ]
        )
        #expect(failed.standardError.isEmpty)

        let malformed = write("malformed.yaml", "- {user: bob, resource: code, action: write, expect: maybe}\n")
        let bad = await victor(["authz", "test", "--config", config, malformed])
        #expect(bad.status == 2)
        #expect(bad.standardOutput.isEmpty)
        #expect(
            bad.standardError
                == "\(malformed):1:54: cases[0].expect: unknown expectation 'maybe'; expected allow or deny\n"
        )

        let absent = await victor(["authz", "test", "--config", config, "\(directory)/absent.yaml"])
        #expect(absent.status == 2)
        #expect(absent.standardError == "cannot read \(directory)/absent.yaml: no such file\n")
    }
}

/// `--context` typed like YAML, arguments that are not UTF-8 rejected, names escaped, no empty
/// test runs.
@Suite struct AuthzCommandInputTests {
    let directory: String
    let config: String

    init() {
        directory = temporaryDirectory()
        config = "\(directory)/authz.yaml"
        VictorCommandLineTests.write(
            """
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
            """,
            to: config
        )
    }

    func write(_ name: String, _ text: String) -> String {
        let path = "\(directory)/\(name)"
        VictorCommandLineTests.write(text, to: path)
        return path
    }

    func check(_ context: [String]) async -> VictorRun {
        await victor(
            [
                "authz", "check", "--config", config, "--user", "alice", "--resource", "pay", "--action", "send",
                "--format", "json",
            ]
                + context.flatMap { ["--context", $0] }
        )
    }

    @Test func contextValuesAreTypedLikeYAML() async throws {
        #expect(try AttributeValue(parsing: "True") == .boolean(true))
        #expect(try AttributeValue(parsing: "FALSE") == .boolean(false))
        #expect(try AttributeValue(parsing: "0x1F") == .integer(31))
        #expect(try AttributeValue(parsing: "yes") == .string("yes"))
        #expect(try AttributeValue(parsing: "'True'") == .string("True"))
        #expect(try AttributeValue(parsing: "\"a\\tb\"") == .string("a\tb"))
        #expect(try AttributeValue(parsing: "cafe\u{301}") == .string("caf\u{E9}"))
        let denied = await check(["debug=True"])
        #expect(denied.status == 0)
        #expect(try denied.decodedOutput(as: DecisionOutput.self).reason == "forbidden_by_policy")
        #expect(try await check(["debug=false"]).decodedOutput(as: DecisionOutput.self).allowed)
        #expect(try await check([]).decodedOutput(as: DecisionOutput.self).allowed)
        // The string 'True' is no boolean: the deny cannot be evaluated, so it denies.
        let quoted = await check(["debug='True'"])
        #expect(quoted.status == 0)
        #expect(try quoted.decodedOutput(as: DecisionOutput.self).reason == "forbidden_by_indeterminate_policy")
        let cases = write(
            "cases.yaml",
            """
            - {user: alice, resource: pay, action: send, context: {debug: True}, expect: deny}
            - {user: alice, resource: pay, action: send, context: {debug: "True"}, expect: deny}
            - {user: alice, resource: pay, action: send, context: {debug: FALSE}, expect: allow}
            - {user: alice, resource: pay, action: send, expect: allow}
            """
        )
        #expect(await victor(["authz", "test", "--config", config, cases]).standardOutput == "4 passed, 0 failed\n")
    }

    @Test(arguments: ["n=99999999999999999999", "x=", "x=null", "x=~", "x=.inf", "x=[a, b]", "x=a: b", "x= a"])
    func contextValuesYAMLWouldNotReadAreErrors(entry: String) async throws {
        let run = await check([entry])
        #expect(run.status == 2)
        #expect(run.standardOutput.isEmpty)
        #expect(
            run.standardError.hasPrefix("Error: --context 'x'") || run.standardError.hasPrefix("Error: --context 'n'")
        )
    }

    @Test func malformedKeyValuePairsNameTheProblem() async {
        let noEquals = await check(["novalue"])
        #expect(noEquals.status == 2)
        #expect(noEquals.standardError.contains("--context 'novalue' is not KEY=VALUE: it has no '='"))
        let emptyKey = await check(["=1"])
        #expect(emptyKey.status == 2)
        #expect(emptyKey.standardError.contains("--context '=1' is not KEY=VALUE: the key before '=' is empty"))
        let lineBreak = await check(["a\nb=1"])
        #expect(lineBreak.status == 2)
        #expect(lineBreak.standardError.contains("--context 'a\\nb': a key may not hold the character U+000A"))
        let forbidden = await check(["a=x\u{7F}"])
        #expect(forbidden.status == 2)
        #expect(forbidden.standardError.contains("--context 'a': a value may not hold the character U+007F"))
    }

    @Test(arguments: [
        ("--user", "ali\u{200B}ce", "U+200B"), ("--resource", "pay\u{AD}", "U+00AD"), ("--action", "se\nnd", "U+000A"),
    ])
    func namesWithInvisibleOrControlCharactersAreErrors(option: String, name: String, scalar: String) async {
        var arguments = [
            "authz", "check", "--config", config, "--user", "alice", "--resource", "pay", "--action", "send",
        ]
        arguments[arguments.firstIndex(of: option)! + 1] = name
        let run = await victor(arguments)
        #expect(run.status == 2)
        #expect(run.standardError.contains("\(option) "), "\(run.standardError)")
        #expect(run.standardError.contains("may not hold the character \(scalar)"), "\(run.standardError)")
    }

    @Test func aContextKeyGivenInTwoSpellingsIsGivenTwice() async throws {
        let run = await check(["caf\u{E9}=1", "cafe\u{301}=2"])
        #expect(run.status == 2)
        #expect(run.standardError.hasPrefix("Error: --context 'caf\u{E9}' is given twice"))
    }

    @Test func argumentsThatAreNotUTF8AreRejected() async throws {
        // $'\xff' and $'\xc3' would both become U+FFFD, one user.
        let base = ["authz", "check", "--config", config, "--resource", "pay", "--action", "send", "--user"].map {
            Array($0.utf8)
        }
        let invalid = await victor(rawArguments: base + [[0xFF]])
        #expect(invalid.status == 2)
        #expect(
            invalid.standardError
                == "Error: argument 10 ('\\xFF') is not valid UTF-8: the byte at offset 0 starts no valid sequence; "
                + "names are compared exactly and are never repaired\n"
        )
        #expect(await victor(rawArguments: base + [[0xC3]]).status == 2)
        #expect(await victor(rawArguments: base + [Array("al".utf8) + [0xED, 0xA0, 0x80]]).status == 2)
        let valid = await victor(rawArguments: base + [Array("alice".utf8)])
        #expect(valid.status == 0)
        #expect(valid.standardOutput == "allowed: role 'all' grants * on *\n")
    }

    @Test func anEmptyCasesFileIsAnError() async throws {
        for text in ["", "[]", "# nothing\n"] {
            let cases = write("empty.yaml", text)
            let run = await victor(["authz", "test", "--config", config, cases])
            #expect(run.status == 2, "\(text)")
            #expect(run.standardOutput.isEmpty, "\(text)")
            #expect(
                run.standardError
                    == "\(cases): no test cases; expected a list of {user, resource, action, context, expect}\n"
            )
        }
    }

    @Test func namesInOutputCannotForgeLines() async throws {
        let cases = write(
            "forged.yaml",
            """
            - {user: "x\\n99 passed, 0 failed", resource: "r\\rq", action: a, context: {"k\\n": "v\\n"}, expect: allow}
            """
        )
        let run = await victor(["authz", "test", "--config", config, cases])
        #expect(run.status == 1)
        #expect(!run.outputLines.contains("99 passed, 0 failed"))
        #expect(run.outputLines.last == "0 passed, 1 failed")
        #expect(
            run.outputLines.contains {
                $0.hasPrefix("FAIL ") && $0.contains("'x\\n99 passed, 0 failed'") && $0.contains("'r\\rq'")
            }
        )
        #expect(!run.standardOutput.contains("\r"))
        let unknown = await victor(
            ["authz", "check", "--config", config, "--user", "x\n0 passed", "--resource", "r", "--action", "a"]
        )
        // A name with a line break is refused, and quoted with the break escaped.
        #expect(unknown.status == 2)
        #expect(unknown.standardOutput.isEmpty)
        #expect(unknown.standardError.contains("--user 'x\\n0 passed' may not hold the character U+000A"))
    }
}
