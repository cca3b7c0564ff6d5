import ArgumentParser
import Foundation
import VictorPersonas

/// `victor persona …`: import, inspect, export, adapt, merge and suggest personas.
struct PersonaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persona",
        abstract: "Manage personas in a persona store (default ./.victor/personas).",
        discussion: "Exit status: 0 on success, 1 on a conflict or an unknown id, 2 on bad input.",
        subcommands: [
            PersonaImportCommand.self, PersonaListCommand.self, PersonaShowCommand.self, PersonaHistoryCommand.self,
            PersonaExportCommand.self, PersonaAdaptCommand.self, PersonaMergeCommand.self,
            PersonaSuggestCommand.self, PersonaPromptCommand.self,
        ]
    )
}

/// The `--store DIR` option every persona subcommand takes.
struct PersonaStoreOptions: ParsableArguments {
    @Option(name: .customLong("store"), help: "The persona store directory.")
    var directory: String = "./.victor/personas"

    /// A manager over the directory store, with the built-in personas available.
    func manager() -> PersonaManager {
        PersonaManager(store: DirectoryPersonaStore(directory: directory))
    }
}

/// Text or JSON output.
enum PersonaListFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// YAML or JSON documents.
enum PersonaDocumentFormat: String, ExpressibleByArgument, CaseIterable {
    case yaml, json

    var format: PersonaFormat { self == .yaml ? .yaml : .json }
}

/// Runs `body`, turning a ``PersonaError`` into a message on standard error and the exit code:
/// 1 for a conflict, an unknown id, an existing id, an incompatible merge or an I/O failure;
/// 2 for bad input (a document or argument error).
func withPersonaErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as PersonaError {
        printError("error: \(error)")
        switch error.code {
        case .conflict, .notFound, .alreadyExists, .incompatible, .io: throw ExitCode(1)
        default: throw ExitCode(2)
        }
    }
}

/// Parses repeated `KEY=VALUE` options into a context.
func personaContext(_ pairs: [String]) throws -> PersonaContext {
    var values: [String: String] = [:]
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            printError("error: --context '\(pair)' is not KEY=VALUE")
            throw ExitCode(2)
        }
        values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    return PersonaContext(values)
}

/// Pretty JSON with sorted keys, followed by a newline.
func renderJSON(_ value: Any) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// A short JSON summary of a persona.
func personaSummary(_ persona: Persona) -> [String: Any] {
    [
        "id": persona.id, "name": persona.name, "version": persona.version,
        "personality": persona.personality.rawValue, "communication_style": persona.communicationStyle.rawValue,
        "expertise": persona.expertise, "description": persona.description,
    ]
}
