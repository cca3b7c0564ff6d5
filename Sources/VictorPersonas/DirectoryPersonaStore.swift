import Foundation
import VictorDocuments
import VictorFiles
import VictorLocks

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
/// - The directory is created on the first write; a path that exists but is not a directory is an
///   error, never a silent no-op or an empty store.
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
    var lockPath: String { "\(directory)/.lock" }
    var journalPath: String { "\(directory)/.journal" }

    // MARK: Checks

    @discardableResult
    private func io<T>(_ message: String, path: String, _ body: () throws -> T) throws(PersonaError) -> T {
        do {
            return try body()
        } catch let error as PersonaError {
            throw error
        } catch let error as FileSystemError where error.isSymbolicLink {
            throw PersonaError(.damaged, "is a symbolic link, which the store never follows", file: error.path)
        } catch {
            throw PersonaError(.io, message, file: path, cause: error)
        }
    }

    private func damaged(_ path: String, _ message: String, id: String? = nil) -> PersonaError {
        PersonaError(.damaged, message, file: path, personaID: id)
    }

    /// Checks that nothing but `expected` (or nothing at all) is at `path`, without following a link.
    /// - Returns: whether something is there.
    @discardableResult
    private func expect(_ expected: FileKind, at path: String, id: String? = nil) throws(PersonaError) -> Bool {
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
        guard isDirectory.boolValue else { throw PersonaError(.io, "is not a directory", file: directory) }
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
            damaged.file = error.file ?? path
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

    /// The current version of the persona, or `nil`.
    public func persona(id: String) throws(PersonaError) -> Persona? {
        let id = try checkedID(id)
        guard try checkDirectory() else { return nil }
        try settleInterruptedChange()
        return try readFile(currentPath(id), id: id)?.persona
    }

    /// One version of the persona, or `nil`.
    public func persona(id: String, version: Int) throws(PersonaError) -> Persona? {
        let id = try checkedID(id)
        guard let current = try persona(id: id), version >= 1, version <= current.version else { return nil }
        if version == current.version { return current }
        guard try expect(.directory, at: historyDirectory(id), id: id) else { return nil }
        return try readFile(historyPath(id, version), id: id)?.persona
    }

    /// Every version of the persona, oldest first.
    public func history(id: String) throws(PersonaError) -> [Persona] {
        let id = try checkedID(id)
        guard let current = try persona(id: id) else { return [] }
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

    /// The current version of every persona, ordered by id.
    /// - Throws: the first problem ``listing()`` finds.
    public func list() throws(PersonaError) -> [Persona] {
        let listing = try listing()
        if let problem = listing.problems.first { throw problem }
        return listing.personas
    }

    /// The current version of every readable persona, ordered by id, and a ``PersonaError/Code/damaged``
    /// problem for each `*.json` file that does not read back as the persona its name says.
    public func listing() throws(PersonaError) -> PersonaListing {
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

    /// Saves `persona` if the stored version is `expectedVersion`; see ``PersonaStore``.
    @discardableResult
    public func save(_ persona: Persona, expectedVersion: Int) throws(PersonaError) -> Persona {
        try saveAll([PersonaChange(persona, expectedVersion: expectedVersion)])[0]
    }

    /// Saves every change or none; see ``PersonaStore/saveAll(_:)`` and the type's notes.
    @discardableResult
    public func saveAll(_ changes: [PersonaChange]) throws(PersonaError) -> [Persona] {
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

    /// Deletes the persona and its history if its stored version is `expectedVersion`.
    public func delete(id: String, expectedVersion: Int) throws(PersonaError) {
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

// MARK: - Staged, all-or-nothing writes

extension DirectoryPersonaStore {
    /// One persona to write: its new file and, when it exists, the bytes it replaces.
    struct WritePlan {
        var id: String
        var version: Int
        var bytes: [UInt8]
        var previous: [UInt8]?
    }

    /// What undoes one persona's part of a change.
    struct JournalEntry: Equatable {
        enum Undo: Equatable {
            /// The persona was new: remove its file and its history.
            case removePersona
            /// Keep the current file (it was never replaced); remove the new version file.
            case removeVersion
            /// Put back the previous current file from this file in the store's directory, and
            /// remove the new version file.
            case restore(String)
        }
        var id: String
        var version: Int
        var undo: Undo
    }

    static let journalHeader = "victor-persona-journal 1"

    /// One line per entry: `ID VERSION UNDO`, UNDO being `-` (new persona), `=` (keep the
    /// current file) or the name of the file holding the previous version.
    static func journalText(_ entries: [JournalEntry]) -> String {
        let lines = entries.map { entry -> String in
            let undo: String
            switch entry.undo {
            case .removePersona: undo = "-"
            case .removeVersion: undo = "="
            case .restore(let name): undo = name
            }
            return "\(entry.id) \(entry.version) \(undo)"
        }
        return ([journalHeader] + lines).joined(separator: "\n") + "\n"
    }

    static func parseJournal(_ text: String) -> [JournalEntry]? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(journalHeader), lines.last == "" else { return nil }
        lines.removeFirst()
        lines.removeLast()
        var entries: [JournalEntry] = []
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, Persona.isValidID(fields[0]), let version = Int(fields[1]), version >= 1
            else { return nil }
            let undo: JournalEntry.Undo
            switch fields[2] {
            case "-": undo = .removePersona
            case "=": undo = .removeVersion
            case let name where isTemporaryName(name): undo = .restore(name)
            default: return nil
            }
            entries.append(JournalEntry(id: fields[0], version: version, undo: undo))
        }
        return entries
    }

    /// Whether `name` is a plain file name the store could have made for a temporary file.
    static func isTemporaryName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.hasSuffix(".tmp") && !name.contains("/") && name.utf8.count <= 255
    }

    /// Writes the plans' files: all staged as synced temporary files first, then renamed into
    /// place; on a failed rename, what was renamed is undone. Runs under the store lock.
    func commit(_ plans: [WritePlan]) throws(PersonaError) {
        let isBatch = plans.count > 1
        var temporaries: [String] = []
        var staged: [(history: String, current: String)] = []
        var entries: [JournalEntry] = []
        func discardTemporaries() {
            for path in temporaries { try? fileSystem.remove(path) }
        }
        // 1. Stage every file; nothing visible changes yet.
        do {
            for plan in plans {
                let history = historyDirectory(plan.id)
                if plan.previous == nil {
                    // A history left by an interrupted delete belongs to no live persona.
                    try fileSystem.remove(history)
                }
                try fileSystem.createDirectory(history)
                // Every temporary file lives in the store's own directory, where the next
                // write finds it if this one is killed.
                let historyTemporary = fileSystem.temporaryPath(
                    for: "\(directory)/\(plan.id).history.\(plan.version).json"
                )
                temporaries.append(historyTemporary)
                try fileSystem.writeAndSync(plan.bytes, to: historyTemporary)
                let currentTemporary = fileSystem.temporaryPath(for: currentPath(plan.id))
                temporaries.append(currentTemporary)
                try fileSystem.writeAndSync(plan.bytes, to: currentTemporary)
                staged.append((historyTemporary, currentTemporary))
                var undo = JournalEntry.Undo.removeVersion
                if plan.previous == nil {
                    undo = .removePersona
                } else if isBatch, let previous = plan.previous {
                    let undoPath = fileSystem.temporaryPath(for: currentPath(plan.id))
                    temporaries.append(undoPath)
                    try fileSystem.writeAndSync(previous, to: undoPath)
                    undo = .restore(String(undoPath.dropFirst(directory.count + 1)))
                }
                entries.append(JournalEntry(id: plan.id, version: plan.version, undo: undo))
            }
            if isBatch { try fileSystem.writeAtomically(Array(Self.journalText(entries).utf8), to: journalPath) }
        } catch {
            discardTemporaries()
            for plan in plans where plan.previous == nil { try? fileSystem.remove(historyDirectory(plan.id)) }
            throw storeError(error, "cannot write; nothing was saved")
        }
        // 2. Rename into place: the version file, then the current file, persona by persona.
        var replaced: Set<String> = []
        do {
            for (plan, files) in zip(plans, staged) {
                try fileSystem.rename(files.history, to: historyPath(plan.id, plan.version))
                try fileSystem.rename(files.current, to: currentPath(plan.id))
                replaced.insert(plan.id)
            }
        } catch {
            let cause = error
            do {
                try rollBack(entries, replaced: replaced)
                try fileSystem.syncDirectory(directory)
                if isBatch { try fileSystem.remove(journalPath) }
            } catch {
                discardTemporaries()
                throw storeError(
                    cause,
                    "cannot write, and undoing the writes already made failed too (\(error)); "
                        + (isBatch ? "the next write to the store undoes them" : "the store may hold a partial change")
                )
            }
            discardTemporaries()
            throw storeError(cause, "cannot write; nothing was saved")
        }
        // 3. The change is made: make it durable, then forget the journal and the undo files.
        var syncError: (any Error)?
        do {
            for plan in plans { try fileSystem.syncDirectory(historyDirectory(plan.id)) }
            try fileSystem.syncDirectory(directory)
        } catch {
            syncError = error
        }
        if isBatch {
            do {
                try fileSystem.remove(journalPath)
                try fileSystem.syncDirectory(directory)
            } catch {
                throw storeError(error, "the change was written, but its journal could not be removed")
            }
            for entry in entries {
                if case .restore(let name) = entry.undo { try? fileSystem.remove("\(directory)/\(name)") }
            }
        }
        if let syncError {
            throw storeError(syncError, "the change was written, but syncing the directory failed")
        }
    }

    /// Undoes the entries of a change, whichever of its renames happened.
    /// - Parameter replaced: the personas whose current file was replaced, when known; a
    ///   journal's entries, after a crash, are all restored.
    func rollBack(_ entries: [JournalEntry], replaced: Set<String>? = nil) throws {
        for entry in entries {
            if let replaced, !replaced.contains(entry.id) {
                // Its current file is the old one still; only a version file may have been renamed.
                try fileSystem.remove(historyPath(entry.id, entry.version))
                if entry.undo == .removePersona { try fileSystem.remove(historyDirectory(entry.id)) }
                continue
            }
            switch entry.undo {
            case .removePersona:
                try fileSystem.remove(currentPath(entry.id))
                try fileSystem.remove(historyDirectory(entry.id))
            case .removeVersion:
                try fileSystem.remove(historyPath(entry.id, entry.version))
            case .restore(let name):
                let undoPath = "\(directory)/\(name)"
                if try fileSystem.kind(of: undoPath) == .regular {
                    try fileSystem.rename(undoPath, to: currentPath(entry.id))
                }
                try fileSystem.remove(historyPath(entry.id, entry.version))
            }
        }
    }

    /// Rolls back a change whose journal a crash left behind.
    func recoverInterruptedChange() throws(PersonaError) {
        guard try expect(.regular, at: journalPath) else { return }
        let bytes = try io("cannot read", path: journalPath) { try fileSystem.read(journalPath) } ?? []
        guard let entries = Self.parseJournal(String(decoding: bytes, as: UTF8.self)) else {
            throw damaged(journalPath, "is not a journal this store wrote; remove it once the store is checked")
        }
        try io("cannot undo the interrupted change", path: journalPath) {
            try rollBack(entries)
            try fileSystem.syncDirectory(directory)
            try fileSystem.remove(journalPath)
            try fileSystem.syncDirectory(directory)
        }
    }

    private func storeError(_ error: any Error, _ message: String) -> PersonaError {
        if let error = error as? PersonaError { return error }
        if let error = error as? FileSystemError {
            if error.isSymbolicLink {
                return PersonaError(.damaged, "is a symbolic link, which the store never follows", file: error.path)
            }
            return PersonaError(.io, message, file: error.path, cause: error)
        }
        return PersonaError(.io, message, file: directory, cause: error)
    }
}
