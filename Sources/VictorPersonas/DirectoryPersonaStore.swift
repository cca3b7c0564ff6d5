import Foundation
public import Logging
import VictorDocuments
public import VictorFiles
import VictorLocks
public import VictorTelemetry

/// A ``PersonaStore`` in a directory: one JSON file per persona (`ID.json`, its current version)
/// and its immutable version history (`ID.history/N.json`).
///
/// - **Atomic writes.** Every file is written to a temporary file in the same directory, synced,
///   then renamed over its target, and the directory is synced: an interrupted or failed write
///   leaves the previous file intact.
/// - **One writer at a time.** Saves and deletes hold an exclusive lock file (`.lock`), so
///   optimistic concurrency holds between processes as well as between tasks. Every temporary file
///   is made in the directory itself, and under the lock those of writes that were killed
///   (`.NAME.UUID.tmp`) are removed: no live write can own one then.
/// - **All or nothing.** ``saveAll(_:)`` stages every file first; when one of the renames that
///   follow fails, the others are undone. While the renames run, a journal (`.journal`) names
///   what to undo, so that a change cut short by a crash is rolled back by the next write, or by
///   the next read, which waits for a change in progress instead of seeing it midway.
/// - **No links followed.** A symbolic link (or anything but a regular file or directory) where
///   the store keeps a persona file, a history directory, a version file, the lock or the journal
///   is refused as ``PersonaError/Code/damaged``, naming the path; nothing outside the directory
///   is ever read, written or created through the store. The directory itself may be a link.
/// - **Off the cooperative pool.** File I/O blocks, and a write may wait for another process's
///   lock for as long as that process holds it, so no call does either on a thread of Swift's
///   cooperative pool (a few such threads serve every task of the process). Each call runs on the
///   store's own serial dispatch queue while the caller's task is suspended: blocking then holds
///   that queue's thread only. Calls through one store run one at a time, which the manager's
///   cache makes rare for reads; stores over one directory run side by side. A call that has
///   started runs to the end even if its caller is cancelled, so no write is left midway.
/// - The directory is created on the first write; a path that exists but is not a directory is an
///   error, never a silent no-op or an empty store.
public final class DirectoryPersonaStore: PersonaStore {
    /// The store's directory.
    public let directory: String
    let fileSystem: any FileSystem
    let logger: Logger
    private let writeLock = Locked(())
    /// Where the store's blocking work runs, one call at a time; see the type's notes.
    private let queue: DispatchQueue

    /// Creates a store over `directory`.
    /// - Parameters:
    ///   - directory: where the files live; created when first written to.
    ///   - fileSystem: the file operations; tests inject failures through it.
    ///   - logger: where clean-up failures are reported (a temporary file or an undo copy that
    ///     could not be removed, which the next write removes); nothing is logged when omitted.
    public init(directory: String, fileSystem: any FileSystem = POSIXFileSystem(), logger: Logger = Telemetry.silent) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.fileSystem = fileSystem
        self.logger = logger
        self.queue = DispatchQueue(label: "victor.persona-store")
    }

    func currentPath(_ id: String) -> String { "\(directory)/\(id).json" }
    func historyDirectory(_ id: String) -> String { "\(directory)/\(id).history" }
    func historyPath(_ id: String, _ version: Int) -> String { "\(historyDirectory(id))/\(version).json" }
    var lockPath: String { "\(directory)/.lock" }
    var journalPath: String { "\(directory)/.journal" }

    // MARK: Checks

    @discardableResult
    func io<T>(_ message: String, path: String, _ body: () throws -> T) throws(PersonaError) -> T {
        do {
            return try body()
        } catch let error as PersonaError {
            throw error
        } catch let error as FileSystemError where error.isSymbolicLink {
            throw PersonaError(
                .damaged,
                "is a symbolic link, which the store never follows",
                location: DocumentLocation(file: error.path)
            )
        } catch {
            throw PersonaError(.io, message, location: DocumentLocation(file: path), cause: error)
        }
    }

    func damaged(_ path: String, _ message: String, id: String? = nil) -> PersonaError {
        PersonaError(.damaged, message, location: DocumentLocation(file: path), personaID: id)
    }

    /// Checks that nothing but `expected` (or nothing at all) is at `path`, without following a link.
    /// - Returns: whether something is there.
    @discardableResult
    func expect(_ expected: FileKind, at path: String, id: String? = nil) throws(PersonaError) -> Bool {
        let kind = try io("cannot examine", path: path) { try fileSystem.kind(of: path) }
        switch kind {
        case nil: return false
        case expected: return true
        case .symbolicLink?: throw damaged(path, "is a symbolic link, which the store never follows", id: id)
        case .directory?: throw damaged(path, "is a directory where the store keeps a file", id: id)
        case .regular?: throw damaged(path, "is a file where the store keeps a directory", id: id)
        case .other?: throw damaged(path, "is neither a regular file nor a directory", id: id)
        }
    }

    /// Checks the store's path: not empty, and a directory when it exists (a link to one is fine).
    /// - Returns: whether the directory exists.
    @discardableResult
    private func checkDirectory() throws(PersonaError) -> Bool {
        guard !directory.isEmpty else { throw PersonaError(.invalidArgument, "the store's directory path is empty") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else {
            throw PersonaError(.io, "is not a directory", location: DocumentLocation(file: directory))
        }
        return true
    }

    private func checkedID(_ id: String) throws(PersonaError) -> String {
        let id = ExactText.normalized(id)
        guard Persona.isValidID(id) else {
            throw PersonaError(
                .invalidArgument,
                "\(ExactText.quotedForDisplay(id)) is not a valid persona id",
                personaID: id
            )
        }
        return id
    }

    // MARK: The store's calls

    /// Runs `body`, which may block on file I/O or on the store's locks, on the store's own
    /// serial queue, and suspends the calling task until it is done.
    private func onStoreQueue<T: Sendable>(
        _ body: @escaping @Sendable () throws(PersonaError) -> T
    ) async throws(PersonaError) -> T {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<T, PersonaError>, Never>) in
            queue.async { continuation.resume(returning: Result { () throws(PersonaError) -> T in try body() }) }
        }
        return try result.get()
    }

    /// The current version of the persona, or `nil`.
    public func persona(id: String) async throws(PersonaError) -> Persona? {
        try await onStoreQueue { () throws(PersonaError) in try self.currentPersona(id: id) }
    }

    /// One version of the persona, or `nil`.
    public func persona(id: String, version: Int) async throws(PersonaError) -> Persona? {
        try await onStoreQueue { () throws(PersonaError) in try self.persona(blockingID: id, version: version) }
    }

    /// Every version of the persona, oldest first.
    public func history(id: String) async throws(PersonaError) -> [Persona] {
        try await onStoreQueue { () throws(PersonaError) in try self.history(blockingID: id) }
    }

    /// The current version of every persona, ordered by id.
    /// - Throws: the first problem ``listing()`` finds.
    public func list() async throws(PersonaError) -> [Persona] {
        let listing = try await listing()
        if let problem = listing.problems.first { throw problem }
        return listing.personas
    }

    /// The current version of every readable persona, ordered by id, and a ``PersonaError/Code/damaged``
    /// problem for each `*.json` file that does not read back as the persona its name says.
    public func listing() async throws(PersonaError) -> PersonaListing {
        try await onStoreQueue { () throws(PersonaError) in try self.blockingListing() }
    }

    /// Saves `persona` if the stored version is `expectedVersion`; see ``PersonaStore``.
    @discardableResult
    public func save(_ persona: Persona, expectedVersion: Int) async throws(PersonaError) -> Persona {
        try await saveAll([PersonaChange(persona, expectedVersion: expectedVersion)])[0]
    }

    /// Saves every change or none; see ``PersonaStore/saveAll(_:)`` and the type's notes.
    @discardableResult
    public func saveAll(_ changes: [PersonaChange]) async throws(PersonaError) -> [Persona] {
        try await onStoreQueue { () throws(PersonaError) in try self.blockingSaveAll(changes) }
    }

    /// Deletes the persona and its history if its stored version is `expectedVersion`.
    public func delete(id: String, expectedVersion: Int) async throws(PersonaError) {
        try await onStoreQueue { () throws(PersonaError) in
            try self.delete(blockingID: id, expectedVersion: expectedVersion)
        }
    }

    // MARK: Reading

    /// Reads and strictly decodes one stored file, which must hold exactly the persona `id`.
    private func readFile(_ path: String, id: String) throws(PersonaError) -> (persona: Persona, bytes: [UInt8])? {
        guard try expect(.regular, at: path, id: id) else { return nil }
        guard let bytes = try io("cannot read", path: path, { try fileSystem.read(path) }) else { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw damaged(path, "is not UTF-8 text", id: id)
        }
        let personas: [Persona]
        do {
            personas = try PersonaDocument.decode(text, file: path)
        } catch {
            var damaged = error
            damaged.code = .damaged
            damaged.location = error.location ?? DocumentLocation(file: path)
            damaged.personaID = id
            throw damaged
        }
        guard personas.count == 1, personas[0].id == id else {
            throw damaged(path, "does not hold exactly the persona \(ExactText.quotedForDisplay(id))", id: id)
        }
        return (personas[0], bytes)
    }

    /// Waits for a change in progress, or rolls back one whose writer died, when a journal says
    /// there is one: a reader then sees each persona before or after the change, not midway.
    private func settleInterruptedChange() throws(PersonaError) {
        guard try io("cannot examine", path: journalPath, { try fileSystem.kind(of: journalPath) }) != nil else {
            return
        }
        try withStoreLock {}
    }

    private func currentPersona(id: String) throws(PersonaError) -> Persona? {
        let id = try checkedID(id)
        guard try checkDirectory() else { return nil }
        try settleInterruptedChange()
        return try readFile(currentPath(id), id: id)?.persona
    }

    private func persona(blockingID id: String, version: Int) throws(PersonaError) -> Persona? {
        let id = try checkedID(id)
        guard let current = try currentPersona(id: id), version >= 1, version <= current.version else { return nil }
        if version == current.version { return current }
        guard try expect(.directory, at: historyDirectory(id), id: id) else { return nil }
        return try readFile(historyPath(id, version), id: id)?.persona
    }

    private func history(blockingID id: String) throws(PersonaError) -> [Persona] {
        let id = try checkedID(id)
        guard let current = try currentPersona(id: id) else { return [] }
        let directory = historyDirectory(id)
        guard try expect(.directory, at: directory, id: id) else { return [current] }
        let names = try io("cannot list", path: directory) { try fileSystem.contentsOfDirectory(directory) }
        let versions = names.compactMap { name -> Int? in
            guard name.hasSuffix(".json") else { return nil }
            return Int(name.dropLast(5))
        }.filter { $0 >= 1 && $0 < current.version }.sorted()
        var result: [Persona] = []
        for version in versions {
            if let persona = try readFile(historyPath(id, version), id: id)?.persona { result.append(persona) }
        }
        return result + [current]
    }

    private func blockingListing() throws(PersonaError) -> PersonaListing {
        guard try checkDirectory() else { return PersonaListing(personas: []) }
        try settleInterruptedChange()
        let names = try io("cannot list", path: directory) { try fileSystem.contentsOfDirectory(directory) }
        var listing = PersonaListing(personas: [])
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let id = String(name.dropLast(5))
            let path = "\(directory)/\(name)"
            guard Persona.isValidID(id) else {
                listing.problems.append(damaged(path, "is not named after a valid persona id"))
                continue
            }
            do {
                if let persona = try readFile(path, id: id)?.persona { listing.personas.append(persona) }
            } catch {
                listing.problems.append(error)
            }
        }
        listing.personas.sort { $0.id < $1.id }
        return listing
    }

    // MARK: Writing

    private func blockingSaveAll(_ changes: [PersonaChange]) throws(PersonaError) -> [Persona] {
        let changes = changes.map { PersonaChange($0.persona.normalized(), expectedVersion: $0.expectedVersion) }
        try Self.checkDistinct(changes)
        for change in changes { try change.persona.validate() }
        guard !changes.isEmpty else { return [] }
        try withStoreLock { () throws(PersonaError) in
            var plans: [WritePlan] = []
            for change in changes {
                let id = change.persona.id
                let stored = try readFile(currentPath(id), id: id)
                try Self.checkSave(
                    change.persona,
                    expectedVersion: change.expectedVersion,
                    current: stored?.persona.version ?? 0
                )
                if try expect(.directory, at: historyDirectory(id), id: id), stored != nil {
                    try io("cannot clean", path: historyDirectory(id)) {
                        try fileSystem.removeTemporaryFiles(in: historyDirectory(id))
                    }
                    try expect(.regular, at: historyPath(id, change.persona.version), id: id)
                }
                plans.append(
                    WritePlan(
                        id: id,
                        version: change.persona.version,
                        bytes: Array(PersonaDocument.encodeSingle(change.persona, as: .json).utf8),
                        previous: stored?.bytes
                    )
                )
            }
            try commit(plans)
        }
        return changes.map(\.persona)
    }

    private func delete(blockingID id: String, expectedVersion: Int) throws(PersonaError) {
        let id = try checkedID(id)
        try withStoreLock { () throws(PersonaError) in
            let current = try readFile(currentPath(id), id: id)?.persona.version ?? 0
            try Self.checkDelete(id: id, expectedVersion: expectedVersion, current: current)
            let path = currentPath(id)
            try io("cannot delete", path: path) {
                try fileSystem.remove(path)
                try fileSystem.syncDirectory(directory)
                try fileSystem.remove(historyDirectory(id))
            }
        }
    }

    /// Runs `body` holding the store's lock, after rolling back a change a crash cut short and
    /// removing the temporary files of killed writes.
    private func withStoreLock(_ body: () throws(PersonaError) -> Void) throws(PersonaError) {
        try checkDirectory()
        try io("cannot create the store directory", path: directory) {
            try fileSystem.createDirectory(directory)
        }
        try expect(.regular, at: lockPath)
        try writeLock.withLock { _ throws(PersonaError) in
            let lock = try io("cannot lock", path: lockPath) { try fileSystem.lock(lockPath) }
            defer { lock.unlock() }
            try recoverInterruptedChange()
            try io("cannot clean", path: directory) { try fileSystem.removeTemporaryFiles(in: directory) }
            try body()
        }
    }
}
