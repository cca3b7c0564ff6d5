import ArgumentParser
import Foundation
import VictorDocuments
import VictorPersonas

/// `victor persona …`: import, inspect, export, adapt, merge and suggest personas.
struct PersonaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persona",
        abstract: "Manage personas in a persona store (default ./.victor/personas).",
        discussion: """
            Exit status: 0 on success; 1 on a conflict, an unknown id or a store problem (a stored file \
            that cannot be read, a failed write); 2 on bad input (a document, an argument or a path).
            """,
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

    func validate() throws {
        guard !directory.isEmpty else {
            throw ValidationError("--store is empty; name the persona store's directory")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ValidationError("--store \(displayText(directory)) is not a directory")
        }
    }

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

/// Runs `body`, turning an error into one escaped line on standard error and the exit code:
/// 1 for a conflict, an unknown id, an existing id, an incompatible merge, a damaged store or an
/// I/O failure; 2 for bad input (a document, an argument or an unreadable input file).
func withPersonaErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as PersonaError {
        printError("error: " + singleLine(error.description))
        throw ExitCode(personaExitCode(error))
    } catch let error as CommandFileError {
        printError("error: " + singleLine(error.description))
        throw ExitCode(2)
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("error: " + singleLine(String(describing: error)))
        throw ExitCode(1)
    }
}

/// The exit code for a persona error; see ``withPersonaErrors(_:)``.
func personaExitCode(_ error: PersonaError) -> Int32 {
    switch error.code {
    case .conflict, .notFound, .alreadyExists, .incompatible, .io, .damaged: return 1
    default: return 2
    }
}

/// Reports the stored personas a listing could not read, one line each on standard error, and
/// exits with 1 when there are any, after the readable ones were printed.
func reportUnreadable(_ problems: [PersonaError], others: String = "listed") throws {
    guard !problems.isEmpty else { return }
    for problem in problems { printError("error: " + singleLine(problem.description)) }
    let count = problems.count
    printError(
        "error: \(count) stored persona file\(count == 1 ? "" : "s") could not be read; the others are \(others)"
    )
    throw ExitCode(1)
}

/// Parses repeated `KEY=VALUE` options into a context.
func personaContext(_ pairs: [String]) throws -> PersonaContext {
    var values: [String: String] = [:]
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            printError("error: --context \(ExactText.quotedForDisplay(pair)) is not KEY=VALUE")
            throw ExitCode(2)
        }
        values[ExactText.normalized(String(pair[..<equals]))] = ExactText.normalized(
            String(pair[pair.index(after: equals)...])
        )
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
