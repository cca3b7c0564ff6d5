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

    @Option(name: .customLong("context"), help: "A context entry KEY=VALUE (repeatable), such as task_type=debugging.")
    var context: [String] = []

    @OptionGroup var store: PersonaStoreOptions

    @Option(help: "Output format: text or json.")
    var format: PersonaListFormat = .text

    func run() async throws {
        let context = try personaContext(self.context)
        try await withPersonaErrors {
            let adapted = try await store.manager().adapt(id, to: context)
            let constraints = adapted.constraints
            switch format {
            case .json:
                let object: [String: Any] = [
                    "id": adapted.base.id,
                    "version": adapted.base.version,
                    "context": adapted.context.values,
                    "personality": adapted.personality.rawValue,
                    "communication_style": adapted.communicationStyle.rawValue,
                    "expertise": adapted.expertise,
                    "constraints": [
                        "max_tool_calls": constraints.maxToolCalls.map { $0 as Any } ?? NSNull(),
                        "preferred_tools": constraints.preferredTools.sorted(),
                        "forbidden_tools": constraints.forbiddenTools.sorted(),
                        "response_length": constraints.responseLength.rawValue,
                        "explanation_depth": constraints.explanationDepth.rawValue,
                    ],
                    "adjustments": adapted.adjustments.map {
                        ["rule": $0.rule, "reason": $0.reason, "changes": $0.changes.map(\.description)]
                            as [String: Any]
                    },
                    "summary": adapted.summary,
                ]
                print(try renderJSON(object), terminator: "")
            case .text:
                print(
                    "\(displayText(adapted.base.name)) (\(adapted.base.id) v\(adapted.base.version)) "
                        + "in context [\(displayText(adapted.context.description))]"
                )
                print("personality: \(adapted.personality.rawValue)")
                print("communication style: \(adapted.communicationStyle.rawValue)")
                print("expertise: \(displayText(adapted.expertise.joined(separator: ", ")))")
                print("max tool calls: \(constraints.maxToolCalls.map(String.init) ?? "no limit")")
                print("preferred tools: \(toolList(constraints.preferredTools))")
                print("forbidden tools: \(toolList(constraints.forbiddenTools))")
                print("response length: \(constraints.responseLength.rawValue)")
                print("explanation depth: \(constraints.explanationDepth.rawValue)")
                if adapted.adjustments.isEmpty { print("adjustments: none") }
                for adjustment in adapted.adjustments {
                    print("adjustment \(displayText(adjustment.rule)): \(displayText(adjustment.reason))")
                    for change in adjustment.changes { print("  " + displayText(change.description)) }
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

    @Option(name: .customLong("context"), help: "A context entry KEY=VALUE (repeatable).")
    var context: [String] = []

    @OptionGroup var store: PersonaStoreOptions

    func run() async throws {
        let context = try personaContext(self.context)
        try await withPersonaErrors {
            print(try await store.manager().systemPrompt(id, context: context))
        }
    }
}

/// Sorted, comma-separated tool names, or `none`.
func toolList(_ tools: Set<String>) -> String {
    tools.isEmpty ? "none" : tools.sorted().map(displayText).joined(separator: ", ")
}
