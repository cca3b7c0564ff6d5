import Foundation
import Testing
import VictorPersonas
import VictorTestSupport

/// The error `body` throws, or `nil`.
func personaError(_ body: () async throws -> Void) async -> PersonaError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? PersonaError
    }
}

/// The two shipped stores, for tests of what sits above a store (the contract itself runs in
/// `PersonaStoreContractTests`).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case memory, directory
    var testDescription: String { rawValue }

    /// A fresh, empty store; a directory store's directory is made in `directories`.
    func make(in directories: TemporaryDirectories) -> any PersonaStore {
        switch self {
        case .memory: InMemoryPersonaStore()
        case .directory: DirectoryPersonaStore(directory: directories.make("victor-personas"))
        }
    }
}

func samplePersona(
    _ id: String = "auditor",
    personality: Personality = .cautious,
    style: CommunicationStyle = .formal,
    expertise: [String] = ["security", "auditing"],
    constraints: PersonaConstraints = .init(maxToolCalls: 10, forbiddenTools: ["shell"])
) -> Persona {
    Persona(
        id: id,
        name: "Persona \(id)",
        description: "The \(id) persona",
        personality: personality,
        communicationStyle: style,
        expertise: expertise,
        constraints: constraints,
        createdAt: Date(timeIntervalSince1970: 1_767_225_600)
    )
}

func write(_ text: String, to path: String) {
    try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func read(_ path: String) -> String? {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { String(data: $0, encoding: .utf8) }
}

/// Every file under `directory` with its bytes, symbolic links as `-> target`: a snapshot to
/// compare a store before and after a failed change.
func snapshot(_ directory: String) -> [String: String] {
    var result: [String: String] = [:]
    let manager = FileManager.default
    for path in (try? manager.subpathsOfDirectory(atPath: directory)) ?? [] {
        let full = "\(directory)/\(path)"
        if let target = try? manager.destinationOfSymbolicLink(atPath: full) {
            result[path] = "-> \(target)"
            continue
        }
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
            result[path] = read(full) ?? "<binary>"
        }
    }
    return result
}
