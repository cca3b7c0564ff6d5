import Foundation
import VictorPersonas

/// A fresh temporary directory, removed by the caller with `removeDirectory`.
func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("victor-personas-\(UUID().uuidString)")
        .path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// The error `body` throws, or `nil`.
func personaError(_ body: () throws -> Void) -> PersonaError? {
    do {
        try body()
        return nil
    } catch {
        return error as? PersonaError
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
