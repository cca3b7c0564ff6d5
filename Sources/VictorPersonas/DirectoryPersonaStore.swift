import Foundation
import VictorFiles
import VictorLocks

/// A ``PersonaStore`` in a directory: one JSON file per persona (`ID.json`, its current version)
/// and its immutable version history (`ID.history/N.json`).
///
/// Every write goes to a temporary file in the same directory, is synced, then renamed over its
/// target, and the directory is synced: an interrupted or failed write leaves the previous file
/// intact. Saves and deletes hold an exclusive lock file (`.lock`), so optimistic concurrency holds
/// between processes as well as between tasks. The directory is created on the first write; a file
/// in its place is an error, never a silent no-op.
public final class DirectoryPersonaStore: PersonaStore {
    /// The store's directory.
    public let directory: String
    private let fileSystem: any FileSystem
    private let writeLock = Locked(())

    /// Creates a store over `directory`.
    /// - Parameters:
    ///   - directory: where the files live; created when first written to.
    ///   - fileSystem: the file operations; tests inject failures through it.
    public init(directory: String, fileSystem: any FileSystem = POSIXFileSystem()) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.fileSystem = fileSystem
    }

    func currentPath(_ id: String) -> String { "\(directory)/\(id).json" }
    func historyDirectory(_ id: String) -> String { "\(directory)/\(id).history" }
    func historyPath(_ id: String, _ version: Int) -> String { "\(historyDirectory(id))/\(version).json" }

    private func io<T>(_ message: String, path: String, _ body: () throws -> T) throws(PersonaError) -> T {
        do {
            return try body()
        } catch let error as PersonaError {
            throw error
        } catch {
            throw PersonaError(.io, message, file: path, cause: error)
        }
    }

    private func checkID(_ id: String) throws(PersonaError) {
        guard Persona.isValidID(id) else {
            throw PersonaError(.invalidArgument, "'\(id)' is not a valid persona id", personaID: id)
        }
    }

    /// Reads and strictly decodes one stored file, which must hold exactly the persona `id`.
    private func readFile(_ path: String, id: String) throws(PersonaError) -> Persona? {
        guard let bytes = try io("cannot read", path: path, { try fileSystem.read(path) }) else { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PersonaError(.syntax, "the file is not UTF-8 text", file: path, personaID: id)
        }
        let personas = try PersonaDocument.decode(text, file: path)
        guard personas.count == 1, personas[0].id == id else {
            throw PersonaError(
                .invalidValue,
                "the file does not hold exactly the persona '\(id)'",
                file: path,
                personaID: id
            )
        }
        return personas[0]
    }

    /// The current version of the persona, or `nil`.
    public func persona(id: String) throws(PersonaError) -> Persona? {
        try checkID(id)
        return try readFile(currentPath(id), id: id)
    }

    /// One version of the persona, or `nil`.
    public func persona(id: String, version: Int) throws(PersonaError) -> Persona? {
        try checkID(id)
        guard let current = try persona(id: id), version >= 1, version <= current.version else { return nil }
        if version == current.version { return current }
        return try readFile(historyPath(id, version), id: id)
    }

    /// Every version of the persona, oldest first.
    public func history(id: String) throws(PersonaError) -> [Persona] {
        try checkID(id)
        guard let current = try persona(id: id) else { return [] }
        let directory = historyDirectory(id)
        let names = try io("cannot list", path: directory) { try fileSystem.contentsOfDirectory(directory) }
        let versions = names.compactMap { name -> Int? in
            guard name.hasSuffix(".json") else { return nil }
            return Int(name.dropLast(5))
        }.filter { $0 < current.version }.sorted()
        var result: [Persona] = []
        for version in versions {
            if let persona = try readFile(historyPath(id, version), id: id) { result.append(persona) }
        }
        return result + [current]
    }

    /// The current version of every persona, ordered by id.
    public func list() throws(PersonaError) -> [Persona] {
        let names = try io("cannot list", path: directory) { try fileSystem.contentsOfDirectory(directory) }
        var result: [Persona] = []
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let id = String(name.dropLast(5))
            guard Persona.isValidID(id) else { continue }
            if let persona = try readFile(currentPath(id), id: id) { result.append(persona) }
        }
        return result.sorted { $0.id < $1.id }
    }

    /// Saves `persona` if the stored version is `expectedVersion`; see ``PersonaStore``.
    @discardableResult
    public func save(_ persona: Persona, expectedVersion: Int) throws(PersonaError) -> Persona {
        try persona.validate()
        let bytes = Array(try PersonaDocument.encodeSingle(persona, as: .json).utf8)
        try withStoreLock { () throws(PersonaError) in
            let current = try self.persona(id: persona.id)?.version ?? 0
            try Self.checkSave(persona, expectedVersion: expectedVersion, current: current)
            let history = historyDirectory(persona.id)
            if current == 0 {
                // A history left by an interrupted delete belongs to no live persona.
                try io("cannot clear", path: history) { try fileSystem.remove(history) }
            }
            try io("cannot create", path: history) { try fileSystem.createDirectory(history) }
            let versionPath = historyPath(persona.id, persona.version)
            try writeAtomically(bytes, to: versionPath)
            do throws(PersonaError) {
                try writeAtomically(bytes, to: currentPath(persona.id))
            } catch {
                try? fileSystem.remove(versionPath)
                throw error
            }
        }
        return persona
    }

    /// Deletes the persona and its history if its stored version is `expectedVersion`.
    public func delete(id: String, expectedVersion: Int) throws(PersonaError) {
        try checkID(id)
        try withStoreLock { () throws(PersonaError) in
            let current = try persona(id: id)?.version ?? 0
            try Self.checkDelete(id: id, expectedVersion: expectedVersion, current: current)
            let path = currentPath(id)
            try io("cannot delete", path: path) {
                try fileSystem.remove(path)
                try fileSystem.syncDirectory(directory)
                try fileSystem.remove(historyDirectory(id))
            }
        }
    }

    private func withStoreLock(_ body: () throws(PersonaError) -> Void) throws(PersonaError) {
        try io("cannot create the store directory", path: directory) {
            try fileSystem.createDirectory(directory)
        }
        try writeLock.withLock { _ throws(PersonaError) in
            let lockPath = "\(directory)/.lock"
            let lock = try io("cannot lock", path: lockPath) { try fileSystem.lock(lockPath) }
            defer { lock.unlock() }
            try body()
        }
    }

    /// Replaces the file through the file system's atomic write, as a persona error.
    private func writeAtomically(_ bytes: [UInt8], to path: String) throws(PersonaError) {
        do {
            try fileSystem.writeAtomically(bytes, to: path)
        } catch {
            throw PersonaError(.io, "cannot write", file: path, cause: error)
        }
    }
}
