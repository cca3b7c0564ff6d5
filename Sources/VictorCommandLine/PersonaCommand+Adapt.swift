import ArgumentParser
import Foundation
import VictorPersonas

/// `victor persona adapt ID [--context KEY=VALUE]...`
struct PersonaAdaptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt",
        abstract: "Show a persona adapted to a context: effective traits, and the adjustments applied and why."
    )

    @Argument(help: "The persona's id.")
    var id: String

    @Option(
        name: .customLong("context"),
        help: ArgumentHelp(
            "A context entry KEY=VALUE (repeatable), such as task_type=debugging.",
            valueName: "key=value"
        ),
        transform: KeyValueArgument.parser(for: "--context")
    )
    var context: [KeyValueArgument] = []

    @OptionGroup var store: PersonaStoreOptions

    @Option(help: "Output format: text or json.")
    var format: PersonaListFormat = .text

    func run() async throws {
        let console = CommandOutput.current
        let context = try personaContext(self.context)
        try await store.withManager { manager in
            let adapted = try await manager.adapt(id, to: context)
            let constraints = adapted.constraints
            switch format {
            case .json:
                console.write(try prettyJSON(AdaptedPersonaRecord(adapted)))
            case .text:
                console.line(
                    "\(displayText(adapted.base.name)) (\(adapted.base.id) v\(adapted.base.version)) "
                        + "in context [\(displayText(adapted.context.description))]"
                )
                console.line("personality: \(adapted.personality.rawValue)")
                console.line("communication style: \(adapted.communicationStyle.rawValue)")
                console.line("expertise: \(displayText(adapted.expertise.joined(separator: ", ")))")
                console.line("max tool calls: \(constraints.maxToolCalls.map(String.init) ?? "no limit")")
                console.line("preferred tools: \(toolList(constraints.preferredTools))")
                console.line("forbidden tools: \(toolList(constraints.forbiddenTools))")
                console.line("response length: \(constraints.responseLength.rawValue)")
                console.line("explanation depth: \(constraints.explanationDepth.rawValue)")
                if adapted.adjustments.isEmpty { console.line("adjustments: none") }
                for adjustment in adapted.adjustments {
                    console.line("adjustment \(displayText(adjustment.rule)): \(displayText(adjustment.reason))")
                    for change in adjustment.changes { console.line("  " + displayText(change.description)) }
                }
            }
        }
    }
}

/// `victor persona prompt ID [--context KEY=VALUE]...`
struct PersonaPromptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompt",
        abstract: "Print a persona's system prompt, adapted to a context."
    )

    @Argument(help: "The persona's id.")
    var id: String

    @Option(
        name: .customLong("context"),
        help: ArgumentHelp("A context entry KEY=VALUE (repeatable).", valueName: "key=value"),
        transform: KeyValueArgument.parser(for: "--context")
    )
    var context: [KeyValueArgument] = []

    @OptionGroup var store: PersonaStoreOptions

    func run() async throws {
        let console = CommandOutput.current
        let context = try personaContext(self.context)
        try await store.withManager { manager in
            console.line(try await manager.systemPrompt(id, context: context))
        }
    }
}

/// Sorted, comma-separated tool names, or `none`.
func toolList(_ tools: Set<String>) -> String {
    tools.isEmpty ? "none" : tools.sorted().map(displayText).joined(separator: ", ")
}
