import Foundation
import Synchronization
import Testing
import VictorFiles
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

/// The real file system with failures on demand: renames into chosen destinations, and every
/// removal once `removalsFail` is set.
final class ScriptedFileSystem: FileSystem {
    struct Rules {
        var renameFailsInto: Set<String> = []
        var removalsFail = false
        var renames: [String] = []
    }
    let base = POSIXFileSystem()
    let rules = Mutex(Rules())

    struct Injected: Error, CustomStringConvertible {
        var description: String { "injected failure" }
    }

    func read(_ path: String) throws -> [UInt8]? { try base.read(path) }
    func writeAndSync(_ bytes: [UInt8], to path: String) throws { try base.writeAndSync(bytes, to: path) }
    func rename(_ source: String, to destination: String) throws {
        let fails = rules.withLock { rules in
            rules.renames.append(destination)
            return rules.renameFailsInto.contains(destination)
        }
        if fails { throw Injected() }
        try base.rename(source, to: destination)
    }
    func remove(_ path: String) throws {
        if rules.withLock({ $0.removalsFail }) { throw Injected() }
        try base.remove(path)
    }
    func contentsOfDirectory(_ path: String) throws -> [String] { try base.contentsOfDirectory(path) }
    func createDirectory(_ path: String) throws { try base.createDirectory(path) }
    func syncDirectory(_ path: String) throws { try base.syncDirectory(path) }
    func lock(_ path: String) throws -> any FileLock { try base.lock(path) }
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
