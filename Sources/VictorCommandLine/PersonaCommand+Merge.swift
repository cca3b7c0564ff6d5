import ArgumentParser
import Foundation
import VictorDocuments
import VictorPersonas

/// `victor persona merge ID ID... --name NAME [--id ID]`
struct PersonaMergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge two or more personas into a new stored persona."
    )

    @Argument(help: "The ids to merge (at least two).")
    var ids: [String]

    @Option(help: "The merged persona's name.")
    var name: String

    @Option(name: .customLong("id"), help: "The merged persona's id (default: merged_ and the ids).")
    var mergedID: String?

    @OptionGroup var store: PersonaStoreOptions

    func validate() throws {
        if ids.count < 2 { throw ValidationError("name at least two personas to merge") }
    }

    func run() async throws {
        let console = CommandOutput.current
        try await store.withManager { manager in
            let merged = try await manager.merge(ids: ids, name: name, id: mergedID)
            let sources = ids.map { displayText(ExactText.normalized($0)) }.joined(separator: ", ")
            console.line("merged \(sources) into \(merged.id) (version \(merged.version))")
        }
    }
}

/// `victor persona suggest "TASK"`
struct PersonaSuggestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Rank personas for a task description."
    )

    @Argument(help: "The task, in words.")
    var task: String

    @OptionGroup var store: PersonaStoreOptions

    @Option(help: "Output format: text or json.")
    var format: PersonaListFormat = .text

    func run() async throws {
        let console = CommandOutput.current
        try await store.withManager { manager in
            let listing = try await manager.listing()
            let suggestions = PersonaManager.rank(
                listing.personas,
                for: task,
                minimumScore: manager.configuration.minimumSuggestionScore
            )
            switch format {
            case .json:
                console.write(try prettyJSON(suggestions.map(PersonaSuggestionRecord.init)))
            case .text:
                if suggestions.isEmpty { console.line("no persona suits this task") }
                for suggestion in suggestions {
                    let score = String(format: "%.2f", suggestion.score)
                    console.line(
                        "\(score)\t\(suggestion.persona.id)\t"
                            + displayText(suggestion.reasons.joined(separator: "; "))
                    )
                }
            }
            try reportUnreadable(listing.problems, others: "ranked")
        }
    }
}
