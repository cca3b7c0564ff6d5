import ArgumentParser
import Foundation
import VictorDocuments
import VictorPersonas

/// `victor persona import FILE...`
struct PersonaImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import personas from YAML or JSON files, all or nothing."
    )

    @Argument(help: "Persona documents: one persona, a list, or a 'personas:' mapping.")
    var files: [String]

    @OptionGroup var store: PersonaStoreOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file to import") }
    }

    func run() async throws {
        try await withPersonaErrors {
            do {
                try await importFiles()
            } catch var error as PersonaError {
                if !error.message.contains("nothing was") { error.message += "; nothing was imported" }
                throw error
            } catch var error as CommandFileError {
                error.reason += "; nothing was imported"
                throw error
            }
        }
    }

    private func importFiles() async throws {
        var personas: [Persona] = []
        var origin: [String: String] = [:]
        for file in files {
            let decoded = try PersonaDocument.decode(try CommandFiles.readText(file), file: file)
            guard !decoded.isEmpty else {
                throw PersonaError(.invalidValue, "holds no personas", location: DocumentLocation(file: file))
            }
            for persona in decoded {
                if let first = origin[persona.id] {
                    throw PersonaError(
                        .duplicateKey,
                        "the persona \(ExactText.quotedForDisplay(persona.id)) is also defined in "
                            + displayText(first),
                        location: DocumentLocation(file: file, keyPath: "id"),
                        personaID: persona.id
                    )
                }
                origin[persona.id] = file
                personas.append(persona)
            }
        }
        let console = CommandOutput.current
        let outcomes = try await store.withManager { try await $0.importPersonas(personas) }
        for outcome in outcomes {
            console.line("\(outcome.action.rawValue) \(outcome.persona.id) (version \(outcome.persona.version))")
        }
    }
}

/// `victor persona list`
struct PersonaListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List stored and built-in personas.")

    @OptionGroup var store: PersonaStoreOptions

    @Option(help: "Output format: text or json.")
    var format: PersonaListFormat = .text

    func run() async throws {
        let console = CommandOutput.current
        try await store.withManager { manager in
            let listing = try await manager.listing()
            switch format {
            case .json:
                console.write(try prettyJSON(listing.personas.map(PersonaSummary.init)))
            case .text:
                for persona in listing.personas {
                    console.line(
                        "\(persona.id)\tv\(persona.version)\t\(displayText(persona.name))\t"
                            + "\(persona.personality.rawValue)/\(persona.communicationStyle.rawValue)"
                    )
                }
            }
            try reportUnreadable(listing.problems)
        }
    }
}

/// `victor persona show ID`
struct PersonaShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a persona as YAML or JSON.")

    @Argument(help: "The persona's id.")
    var id: String

    @Option(parsing: .unconditional, help: "A stored version (1 or more) instead of the current one.")
    var version: Int?

    @OptionGroup var store: PersonaStoreOptions

    @Option(help: "Output format: yaml or json.")
    var format: PersonaDocumentFormat = .yaml

    func validate() throws {
        if let version, version < 1 { throw ValidationError("--version must be 1 or more, not \(version)") }
    }

    func run() async throws {
        let console = CommandOutput.current
        try await store.withManager { manager in
            let persona: Persona
            if let version {
                persona = try await manager.load(id, version: version)
            } else {
                persona = try await manager.load(id)
            }
            console.write(try PersonaDocument.encode([persona], as: format.format))
        }
    }
}

/// `victor persona history ID`
struct PersonaHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List a persona's versions.")

    @Argument(help: "The persona's id.")
    var id: String

    @OptionGroup var store: PersonaStoreOptions

    func run() async throws {
        let console = CommandOutput.current
        try await store.withManager { manager in
            for persona in try await manager.history(id) {
                let date = ISO8601DateFormatter().string(from: persona.updatedAt)
                console.line("v\(persona.version)\t\(date)\t\(displayText(persona.name))")
            }
        }
    }
}

/// `victor persona export (ID... | --all)`
struct PersonaExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export personas as a YAML or JSON document that imports back equal."
    )

    @Argument(help: "The ids to export.")
    var ids: [String] = []

    @Flag(help: "Export every persona, stored and built-in.")
    var all = false

    @OptionGroup var store: PersonaStoreOptions

    @Option(help: "Output format: yaml or json.")
    var format: PersonaDocumentFormat = .yaml

    @Option(help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        if all == !ids.isEmpty { throw ValidationError("name the ids to export, or pass --all (not both)") }
    }

    func run() async throws {
        let console = CommandOutput.current
        if let output { try checkOutput(output) }
        try await store.withManager { manager in
            var problems: [PersonaError] = []
            let personas: [Persona]
            if all {
                let listing = try await manager.listing()
                personas = listing.personas
                problems = listing.problems
            } else {
                var loaded: [Persona] = []
                for id in ids { loaded.append(try await manager.load(id)) }
                personas = loaded
            }
            let text = try PersonaDocument.encode(personas, as: format.format)
            if let output {
                try CommandFiles.write(text, to: output)
                console.line(
                    "exported \(personas.count) persona\(personas.count == 1 ? "" : "s") to \(displayText(output))"
                )
            } else {
                console.write(text)
            }
            try reportUnreadable(problems, others: "exported")
        }
    }
}

/// Checks an output path before any work, failing as bad input with a plain reason when it
/// cannot be written.
func checkOutput(_ path: String, option: String = "--output") throws(CommandFailure) {
    do {
        try CommandFiles.checkWritable(path)
    } catch {
        throw CommandFailure(.invalidInput, ["error: \(option) " + singleLine(error.description)])
    }
}
