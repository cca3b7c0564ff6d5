import Foundation
import Logging
import VictorFiles

/// Staged, all-or-nothing writes: every file of a change is written to a temporary file first,
/// then renamed into place; a journal names what undoes a multi-persona change while its renames
/// run, so a failure or a crash midway leaves the store as it was.
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
            for path in temporaries { removeLeftover(path) }
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
            // A journal already in place (its directory sync failed) names a change never made.
            if isBatch { removeLeftover(journalPath) }
            for plan in plans where plan.previous == nil { removeLeftover(historyDirectory(plan.id)) }
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
                if case .restore(let name) = entry.undo { removeLeftover("\(directory)/\(name)") }
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

    func storeError(_ error: any Error, _ message: String) -> PersonaError {
        if let error = error as? PersonaError { return error }
        if let error = error as? FileSystemError {
            if error.isSymbolicLink {
                return PersonaError(
                    .damaged,
                    "is a symbolic link, which the store never follows",
                    location: DocumentLocation(file: error.path)
                )
            }
            return PersonaError(.io, message, location: DocumentLocation(file: error.path), cause: error)
        }
        return PersonaError(.io, message, location: DocumentLocation(file: directory), cause: error)
    }
}

extension DirectoryPersonaStore {
    /// Removes what a write left behind; a failure is logged, and the next write's clean-up
    /// removes it.
    func removeLeftover(_ path: String) {
        do {
            try fileSystem.remove(path)
        } catch {
            logger.warning(
                "persona store: cannot remove a leftover; the next write retries",
                metadata: ["path": "\(path)", "error": "\(error)"]
            )
        }
    }
}
