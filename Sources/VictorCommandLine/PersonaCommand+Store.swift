import ArgumentParser
import Foundation
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
        try withPersonaErrors {
            var personas: [Persona] = []
            var origin: [String: String] = [:]
            for file in files {
                let decoded: [Persona]
                do {
                    decoded = try PersonaDocument.decode(contentsOf: file)
                } catch let error as PersonaError where error.code == .io {
                    printError("error: \(error)")
                    throw ExitCode(2)
                }
                for persona in decoded {
                    if let first = origin[persona.id] {
                        throw PersonaError(
                            .duplicateKey,
                            "the persona '\(persona.id)' is also defined in \(first)",
                            file: file,
                            keyPath: "id",
                            personaID: persona.id
                        )
                    }
                    origin[persona.id] = file
                    personas.append(persona)
                }
            }
            for outcome in try store.manager().importPersonas(personas) {
                print("\(outcome.action.rawValue) \(outcome.persona.id) (version \(outcome.persona.version))")
            }
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
        try withPersonaErrors {
            let personas = try store.manager().list()
            switch format {
            case .json:
                print(try renderJSON(personas.map(personaSummary)), terminator: "")
            case .text:
                for persona in personas {
                    print(
                        "\(persona.id)\tv\(persona.version)\t\(persona.name)\t"
                            + "\(persona.personality.rawValue)/\(persona.communicationStyle.rawValue)"
                    )
                }
            }
        }
    }
}

/// `victor persona show ID`
struct PersonaShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a persona as YAML or JSON.")

    @Argument(help: "The persona's id.")
    var id: String

    @Option(help: "A stored version instead of the current one.")
    var version: Int?

    @OptionGroup var store: PersonaStoreOptions

    @Option(help: "Output format: yaml or json.")
    var format: PersonaDocumentFormat = .yaml

    func run() async throws {
        try withPersonaErrors {
            let manager = store.manager()
            let persona = try version.map { try manager.load(id, version: $0) } ?? manager.load(id)
            print(try PersonaDocument.encode([persona], as: format.format), terminator: "")
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
        try withPersonaErrors {
            for persona in try store.manager().history(id) {
                let date = ISO8601DateFormatter().string(from: persona.updatedAt)
                print("v\(persona.version)\t\(date)\t\(persona.name)")
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
        try withPersonaErrors {
            let manager = store.manager()
            let personas = all ? try manager.list() : try ids.map { try manager.load($0) }
            let text = try PersonaDocument.encode(personas, as: format.format)
            if let output {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw PersonaError(.io, "cannot write the export", file: output, cause: error)
                }
                print("exported \(personas.count) persona\(personas.count == 1 ? "" : "s") to \(output)")
            } else {
                print(text, terminator: "")
            }
        }
    }
}
