import ArgumentParser
import Foundation
import VictorAuthorization
import VictorDocuments

/// `victor authz`: checks, explanations, validation and test cases against a configuration file.
struct AuthzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authz",
        abstract: "Check, explain, validate and test authorization configurations.",
        subcommands: [
            AuthzCheckCommand.self, AuthzExplainCommand.self, AuthzValidateCommand.self, AuthzTestCommand.self,
        ]
    )
}

/// Output formats of `victor authz check` and `explain`.
enum AuthzFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// The arguments `check` and `explain` share.
struct AuthzRequestOptions: ParsableArguments {
    @Option(help: "The authorization configuration (YAML or JSON).")
    var config: String

    @Option(help: "The id of the user to check.")
    var user: String

    @Option(help: "The resource asked for.")
    var resource: String

    @Option(help: "The action asked for.")
    var action: String

    @Option(
        name: .customLong("context"),
        help: """
            A request context entry KEY=VALUE (repeatable); VALUE is typed as in YAML: True/false are \
            booleans, 12 a 64-bit integer, 2.5 a number, 'quoted' or anything else a string.
            """
    )
    var contextEntries: [String] = []

    @Option(help: "Output format: \(AuthzFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: AuthzFormat = .text

    func validate() throws {
        _ = try context()
    }

    /// The `--context` entries as a context dictionary.
    func context() throws -> [String: AttributeValue] {
        try ContextArguments.parse(contextEntries)
    }
}

/// Loads a configuration file into an authorizer, or reports why not on standard error and
/// exits with 2.
func loadAuthorizer(_ path: String) throws -> Authorizer {
    do {
        return try Authorizer(configuration: AuthorizationConfiguration.load(contentsOf: path))
    } catch {
        reportConfigurationError(error)
        throw ExitCode(2)
    }
}

/// Writes an authorization error to standard error: one `FILE:LINE:COLUMN: message` line per
/// issue, or the message when there are none.
func reportConfigurationError(_ error: AuthorizationError) {
    if error.issues.isEmpty {
        printError(error.message)
    } else {
        for issue in error.issues { printError(issue.description) }
    }
}

/// The JSON form of a decision: `{"allowed", "reason", "decidedBy": {"kind", "name"}}`.
struct DecisionJSON: Encodable {
    struct DecidedBy: Encodable {
        let kind: String
        let name: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(name, forKey: .name)
        }

        enum CodingKeys: String, CodingKey { case kind, name }
    }

    let allowed: Bool
    let reason: String
    let decidedBy: DecidedBy
    let message: String
    let steps: [String]?

    init(_ decision: Decision, steps: [String]? = nil) {
        allowed = decision.allowed
        reason = decision.reason.rawValue
        decidedBy = DecidedBy(kind: decision.decidedBy.kind, name: decision.decidedBy.name)
        message = decision.message
        self.steps = steps
    }

    func rendered() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// `victor authz check`: decides one request.
struct AuthzCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Decide whether a user may perform an action on a resource.",
        discussion: """
            Exit status: 0 when a decision was made (allowed or denied), 2 on a bad configuration or \
            bad arguments (message on standard error, nothing on standard output).
            """
    )

    @OptionGroup var request: AuthzRequestOptions

    func run() async throws {
        let authorizer = try loadAuthorizer(request.config)
        let decision = authorizer.check(
            user: request.user,
            resource: request.resource,
            action: request.action,
            context: try request.context()
        )
        switch request.format {
        case .text: print(decision.message)
        case .json: print(try DecisionJSON(decision).rendered())
        }
    }
}

/// `victor authz explain`: decides one request and prints how.
struct AuthzExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Decide a request and print every step of the evaluation.",
        discussion: "Exit status as for `check`."
    )

    @OptionGroup var request: AuthzRequestOptions

    func run() async throws {
        let authorizer = try loadAuthorizer(request.config)
        let explanation = authorizer.explain(
            user: request.user,
            resource: request.resource,
            action: request.action,
            context: try request.context()
        )
        switch request.format {
        case .text: print(explanation.description)
        case .json: print(try DecisionJSON(explanation.decision, steps: explanation.steps).rendered())
        }
    }
}

/// `victor authz validate`: checks a configuration file.
struct AuthzValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate an authorization configuration.",
        discussion: """
            Exit status: 0 with a one-line summary when the configuration is valid; 2 with one \
            FILE:LINE:COLUMN: message line per problem on standard error otherwise.
            """
    )

    @Option(help: "The authorization configuration (YAML or JSON).")
    var config: String

    func run() async throws {
        do {
            let configuration = try AuthorizationConfiguration.load(contentsOf: config)
            print(
                "\(shownName(config)): valid: \(configuration.roles.count) roles, \(configuration.users.count) users, "
                    + "\(configuration.policies.count) policies"
            )
        } catch {
            reportConfigurationError(error)
            throw ExitCode(2)
        }
    }
}

/// `victor authz test`: runs expected decisions against a configuration.
struct AuthzTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check a list of expected decisions against a configuration.",
        discussion: """
            CASES is a YAML or JSON list of {user, resource, action, context, expect: allow|deny}; an \
            empty list is an error. Prints each failing case (names escaped, one line each) and a last \
            line `N passed, N failed`. Exit status: 0 when every case passes, 1 when any fails, 2 on a \
            bad configuration, cases file or arguments.
            """
    )

    @Option(help: "The authorization configuration (YAML or JSON).")
    var config: String

    @Argument(help: "The test cases file.")
    var cases: String

    func run() async throws {
        let authorizer = try loadAuthorizer(config)
        let testCases: [AuthorizationTestCase]
        do {
            let text: String
            switch TextFile.read(cases) {
            case .success(let read): text = read
            case .failure(let error):
                printError(error.message)
                throw ExitCode(2)
            }
            testCases = try AuthorizationTestCase.parse(text, file: cases)
        } catch let error as AuthorizationError {
            reportConfigurationError(error)
            throw ExitCode(2)
        }
        guard !testCases.isEmpty else {
            printError(
                "\(shownName(cases)): no test cases; expected a list of {user, resource, action, context, expect}"
            )
            throw ExitCode(2)
        }
        var passed = 0
        var failed = 0
        for testCase in testCases {
            let decision = authorizer.check(
                user: testCase.user,
                resource: testCase.resource,
                action: testCase.action,
                context: testCase.context
            )
            if decision.allowed == testCase.expectAllowed {
                passed += 1
            } else {
                failed += 1
                let context =
                    testCase.context.isEmpty
                    ? ""
                    : " "
                        + testCase.context.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                        .map { "\(shownName($0.key))=\($0.value)" }
                        .joined(separator: ",")
                print(
                    "FAIL \(shownName(cases)):\(testCase.line): \(shownName(testCase.user)) "
                        + "\(shownName(testCase.action)) \(shownName(testCase.resource))\(context): "
                        + "expected \(testCase.expectAllowed ? "allow" : "deny"), got \(decision.message)"
                )
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}

/// `name` as it is when it is plain printable text without spaces or quotes, else quoted with
/// escapes: a name in output can never start a new line or look like another field.
func shownName(_ name: String) -> String {
    let quoted = ExactText.quotedForDisplay(name)
    let plain =
        !name.isEmpty && quoted.utf8.count == name.utf8.count + 2
        && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "," || $0 == "=" }
    return plain ? name : quoted
}
