import ArgumentParser
import Foundation
import VictorDocuments
import VictorPersonas
import VictorPostgres

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
    @Option(
        name: .customLong("store"),
        help: "The persona store: a directory, or a shared PostgreSQL store as a postgres:// URL."
    )
    var directory: String = "./.victor/personas"

    /// The PostgreSQL store `--store` names, or `nil` for a directory.
    var url: PostgresStoreURL? {
        get throws {
            guard directory.hasPrefix("postgres://") || directory.hasPrefix("postgresql://") else { return nil }
            do {
                return try PostgresStoreURL(directory)
            } catch {
                throw ValidationError("--store: \(error.message)")
            }
        }
    }

    func validate() throws {
        guard !directory.isEmpty else {
            throw ValidationError("--store is empty; name the persona store's directory")
        }
        if try url != nil { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ValidationError("--store \(displayText(directory)) is not a directory")
        }
    }

    /// Runs `body` with a manager over the store, the built-in personas available; persona
    /// errors reach ``VictorCommand/report(_:to:)`` as ``withPersonaErrors(_:)`` says. A
    /// PostgreSQL store's schema is migrated first and its connections closed afterwards.
    func withManager<Value>(_ body: (PersonaManager) async throws -> Value) async throws -> Value {
        guard let url = try url else {
            return try await body(PersonaManager(store: DirectoryPersonaStore(directory: directory)))
        }
        let database = PostgresStore(url: url)
        do {
            try await PostgresSchema.migrate(database)
            let value = try await body(PersonaManager(store: PostgresPersonaStore(database: database)))
            await database.shutdown()
            return value
        } catch {
            await database.shutdown()
            throw error
        }
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

/// Runs a persona command's work. Its errors reach ``VictorCommand/report(_:to:)``, the one
/// mapping from errors to messages and exit codes (``CommandFailure/kind(of:)`` for persona
/// errors).
func withPersonaErrors(_ body: () async throws -> Void) async throws {
    try await body()
}

/// Reports the stored personas a listing could not read, one line each on standard error, and
/// fails as a store problem when there are any, after the readable ones were printed.
func reportUnreadable(_ problems: [PersonaError], others: String = "listed") throws(CommandFailure) {
    guard !problems.isEmpty else { return }
    let count = problems.count
    throw CommandFailure(
        .storeFailure,
        problems.map { "error: " + singleLine($0.description) }
            + [
                "error: \(count) stored persona file\(count == 1 ? "" : "s") could not be read; the others are \(others)"
            ]
    )
}

/// The `--context KEY=VALUE` pairs as a persona context.
/// - Throws: ``ArgumentError`` when a key is given twice.
func personaContext(_ pairs: [KeyValueArgument]) throws(ArgumentError) -> PersonaContext {
    PersonaContext(
        try KeyValueArgument.dictionary(pairs, option: "--context").mapValues { ExactText.normalized($0) }
    )
}

/// `value` as pretty JSON with sorted keys, followed by a newline.
func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
