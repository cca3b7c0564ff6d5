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
        help: ArgumentHelp(
            """
            A request context entry KEY=VALUE (repeatable); VALUE is typed as in YAML: True/false are \
            booleans, 12 a 64-bit integer, 2.5 a number, 'quoted' or anything else a string.
            """,
            valueName: "key=value"
        ),
        transform: KeyValueArgument.parser(for: "--context")
    )
    var contextEntries: [KeyValueArgument] = []

    @Option(help: "Output format: \(AuthzFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: AuthzFormat = .text

    func validate() throws {
        // The exact-name rule, as the server applies it: a control or invisible character is an
        // error, never a name decided as given.
        for (option, name) in [("--user", user), ("--resource", resource), ("--action", action)] {
            if let (_, scalar) = ExactText.firstForbiddenInName(ExactText.normalized(name)) {
                throw ValidationError(
                    "\(option) \(ExactText.quotedForDisplay(name)) may not hold the character \(ExactText.codePoint(scalar))"
                )
            }
        }
        do {
            _ = try context()
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The `--context` entries as a context dictionary.
    func context() throws(ArgumentError) -> [String: AttributeValue] {
        try AttributeValue.context(contextEntries)
    }
}

/// Encodes `value` as one line of JSON with sorted keys and unescaped slashes.
func compactJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
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
        let authorizer = try Authorizer(configuration: AuthorizationConfiguration.load(contentsOf: request.config))
        let decision = authorizer.check(
            user: request.user,
            resource: request.resource,
            action: request.action,
            context: try request.context()
        )
        let console = CommandOutput.current
        switch request.format {
        case .text: console.line(decision.message)
        case .json: console.line(try compactJSON(DecisionRecord(decision)))
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
        let authorizer = try Authorizer(configuration: AuthorizationConfiguration.load(contentsOf: request.config))
        let explanation = authorizer.explain(
            user: request.user,
            resource: request.resource,
            action: request.action,
            context: try request.context()
        )
        let console = CommandOutput.current
        switch request.format {
        case .text: console.line(explanation.description)
        case .json: console.line(try compactJSON(DecisionRecord(explanation)))
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
        let configuration = try AuthorizationConfiguration.load(contentsOf: config)
        CommandOutput.current.line(
            "\(shownName(config)): valid: \(configuration.roles.count) roles, \(configuration.users.count) users, "
                + "\(configuration.policies.count) policies"
        )
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
        let authorizer = try Authorizer(configuration: AuthorizationConfiguration.load(contentsOf: config))
        let testCases = try AuthorizationTestCase.load(contentsOf: cases)
        guard !testCases.isEmpty else {
            throw CommandFailure(
                .invalidInput,
                ["\(shownName(cases)): no test cases; expected a list of {user, resource, action, context, expect}"]
            )
        }
        let report = authorizer.evaluate(testCases)
        let console = CommandOutput.current
        for failure in report.failures {
            let testCase = failure.testCase
            let context =
                testCase.context.isEmpty
                ? ""
                : " "
                    + testCase.context.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                    .map { "\(shownName($0.key))=\($0.value)" }
                    .joined(separator: ",")
            console.line(
                "FAIL \(shownName(cases)):\(testCase.line): \(shownName(testCase.user)) "
                    + "\(shownName(testCase.action)) \(shownName(testCase.resource))\(context): "
                    + "expected \(testCase.expectAllowed ? "allow" : "deny"), got \(failure.decision.message)"
            )
        }
        console.line("\(report.passedCount) passed, \(report.failedCount) failed")
        if !report.allPassed { throw CommandFailure(.unmetExpectations) }
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
