import ArgumentParser
import VictorAuthorization
import VictorDocuments
import VictorRuntime

/// `victor tools`: the tool-call gate from the command line.
struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "Decide tool calls as the runtime's gate does, one at a time or replayed from a file.",
        subcommands: [ToolsCheckCommand.self, ToolsReplayCommand.self]
    )
}

/// Options every `tools` subcommand takes.
struct ToolsConfigurationOptions: ParsableArguments {
    @Option(help: "The runtime configuration (victor.yaml); without it: no tools, every call denied.")
    var config: String?

    /// The configuration, with no audit file: decisions from the command line are not agent traffic.
    func load() throws(RuntimeError) -> RuntimeConfiguration {
        var configuration =
            try config.map { path throws(RuntimeError) in
                try RuntimeConfiguration.load(contentsOf: path)
            } ?? RuntimeConfiguration()
        configuration.auditPath = nil
        return configuration
    }
}

/// `victor tools check`: one call, decided and explained.
struct ToolsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Decide one tool call and print every step of the gate.",
        discussion: """
            Nothing runs and no budget is spent. Exit status: 0 when a decision was made (whatever it \
            is), 1 when the persona cannot be found, 2 on a bad configuration or bad arguments.
            """
    )

    @OptionGroup var options: ToolsConfigurationOptions

    @Option(help: "The user the agent acts for.")
    var user: String

    @Option(help: "The persona's id.")
    var persona: String

    @Option(help: "The tool to call.")
    var tool: String

    @Option(help: "The call's arguments, a JSON object.")
    var arguments: String = "{}"

    @Option(
        name: .customLong("context"),
        help: ArgumentHelp("A session context entry KEY=VALUE (repeatable), typed as in YAML.", valueName: "key=value"),
        transform: KeyValueArgument.parser(for: "--context")
    )
    var contextEntries: [KeyValueArgument] = []

    @Option(help: "Output format: text or json.")
    var format: AuthzFormat = .text

    func run() async throws {
        let context = try AttributeValue.context(contextEntries)
        let arguments = try JSONValue.parse(self.arguments, source: "--arguments")
        let runtime = try await AgentRuntime.make(options.load())
        let session = try await runtime.openSession(user: user, persona: persona, context: context)
        let explanation = runtime.explain(ToolCall(tool: tool, arguments: arguments), in: session)
        let console = CommandOutput.current
        switch format {
        case .json:
            console.line(try compactJSON(GateDecisionRecord(explanation)))
        case .text:
            let decision = explanation.decision
            console.line("\(decision.verdict.rawValue) at \(decision.step.rawValue): \(singleLine(decision.reason))")
            for step in explanation.steps { console.line("  " + singleLine(step)) }
        }
    }
}

/// `victor tools replay`: recorded traffic against the configuration.
struct ToolsReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded sessions and calls (JSON Lines) against the configuration.",
        discussion: """
            Each line is a session ({"type": "session", "session", "user", "persona", "context"}), a \
            call ({"type": "call", "session", "tool", "arguments", "expect", "expect_step"}) or an \
            audit record with its arguments. Budgets apply as the calls are decided; nothing runs. \
            Exit status: 0 when every expectation holds, 1 when one fails, 2 on a bad file, \
            configuration or argument.
            """
    )

    @OptionGroup var options: ToolsConfigurationOptions

    @Argument(help: "The recorded traffic, JSON Lines.")
    var file: String

    @Option(help: "Output format: text or json.")
    var format: AuthzFormat = .text

    func run() async throws {
        let text = try CommandFiles.readText(file)
        let runtime = try await AgentRuntime.make(options.load())
        let report = try await ToolCallReplay.run(text, source: file, runtime: runtime)
        let console = CommandOutput.current
        switch format {
        case .json:
            console.line(try compactJSON(ReplayRecord(report)))
        case .text:
            for entry in report.entries {
                var line =
                    "\(file):\(entry.line): \(displayText(entry.session)) \(displayText(entry.tool)): "
                    + "\(entry.decision.verdict.rawValue) at \(entry.decision.step.rawValue)"
                if let expected = entry.expected {
                    line += entry.passed ? " (expected \(expected.rawValue))" : " FAILED: expected \(expected.rawValue)"
                } else if !entry.passed, let step = entry.expectedStep {
                    line += " FAILED: expected step \(step.rawValue)"
                }
                if entry.changed, let recorded = entry.recorded { line += " CHANGED from \(recorded.rawValue)" }
                console.line(singleLine(line + ": " + entry.decision.reason))
            }
            for note in report.skipped { console.line("skipped " + singleLine(note)) }
            console.line(
                "\(report.entries.count) calls: \(report.count(.allowed)) allowed, \(report.count(.denied)) denied, "
                    + "\(report.count(.approvalRequired)) approval required; \(report.failures.count) failed "
                    + "expectations, \(report.changes.count) changed from the recording"
            )
        }
        if !report.failures.isEmpty { throw CommandFailure(.unmetExpectations) }
    }
}

/// A replay report as JSON.
struct ReplayRecord: Encodable {
    struct Call: Encodable {
        var line: Int
        var session: String
        var tool: String
        var decision: GateDecisionRecord
        var expected: String?
        var passed: Bool
        var changedFrom: String?

        enum CodingKeys: String, CodingKey {
            case line, session, tool, decision, expected, passed
            case changedFrom = "changed_from"
        }
    }

    var calls: [Call]
    var skipped: [String]
    var failed: Int

    init(_ report: ToolCallReplay.Report) {
        calls = report.entries.map { entry in
            Call(
                line: entry.line,
                session: entry.session,
                tool: entry.tool,
                decision: GateDecisionRecord(entry.decision),
                expected: entry.expected?.rawValue,
                passed: entry.passed,
                changedFrom: entry.changed ? entry.recorded?.rawValue : nil
            )
        }
        skipped = report.skipped
        failed = report.failures.count
    }
}
