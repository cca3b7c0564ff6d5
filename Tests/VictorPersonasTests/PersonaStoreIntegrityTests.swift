import Foundation
import Synchronization
import Testing
import VictorFiles
import VictorPersonas

/// The directory store under failures, planted links, leftovers and garbage (issue 9, findings
/// 12 and 16–19).
@Suite struct PersonaStoreIntegrityTests {
    func renamed(_ persona: Persona, _ name: String) -> Persona {
        var copy = persona
        copy.name = name
        return copy
    }

    // MARK: 16: all or nothing

    @Test func anImportWhoseSecondWriteFailsLeavesTheStoreAsItWas() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let fileSystem = ScriptedFileSystem()
        let store = DirectoryPersonaStore(directory: directory, fileSystem: fileSystem)
        let manager = PersonaManager(store: store)
        _ = try manager.importPersonas([samplePersona("first"), samplePersona("second")])
        let before = snapshot(directory)

        // Both are updated; the second persona's current file cannot be replaced.
        fileSystem.rules.withLock { $0.renameFailsInto = ["\(directory)/second.json"] }
        let error = personaError {
            _ = try manager.importPersonas([
                renamed(samplePersona("first"), "First, changed"), renamed(samplePersona("second"), "Second, changed"),
            ])
        }
        #expect(error?.code == .io)
        #expect(error?.description.contains("nothing was saved") == true)
        #expect(snapshot(directory) == before)
        let reader = DirectoryPersonaStore(directory: directory)
        #expect(try reader.persona(id: "first")?.name == "Persona first")
        #expect(try reader.history(id: "first").map(\.version) == [1])
        #expect(try manager.load("first").name == "Persona first")

        // A new persona and an update, failing on the new one's history file.
        fileSystem.rules.withLock { $0.renameFailsInto = ["\(directory)/third.history/1.json"] }
        let mixed = personaError {
            _ = try manager.importPersonas([renamed(samplePersona("first"), "First, changed"), samplePersona("third")])
        }
        #expect(mixed?.code == .io)
        #expect(snapshot(directory) == before)
        #expect(try reader.persona(id: "third") == nil)

        fileSystem.rules.withLock { $0.renameFailsInto = [] }
        let outcomes = try manager.importPersonas([
            renamed(samplePersona("first"), "First, changed"), samplePersona("third"),
        ])
        #expect(outcomes.map(\.action) == [.updated, .created])
        #expect(try reader.persona(id: "first")?.version == 2)
        #expect(try reader.persona(id: "third")?.version == 1)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/.journal"))
    }

    @Test func aChangeCutShortIsRolledBackByTheNextWrite() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let fileSystem = ScriptedFileSystem()
        let store = DirectoryPersonaStore(directory: directory, fileSystem: fileSystem)
        try store.saveAll([
            PersonaChange(samplePersona("a"), expectedVersion: 0),
            PersonaChange(samplePersona("b"), expectedVersion: 0),
        ])
        let before = snapshot(directory)
        var a2 = renamed(samplePersona("a"), "A2")
        a2.version = 2
        var b2 = renamed(samplePersona("b"), "B2")
        b2.version = 2
        // The second rename fails and so does undoing the first: as if the process died midway.
        fileSystem.rules.withLock {
            $0.renameFailsInto = ["\(directory)/b.json"]
            $0.removalsFail = true
        }
        let error = personaError {
            try store.saveAll([PersonaChange(a2, expectedVersion: 1), PersonaChange(b2, expectedVersion: 1)])
        }
        #expect(error?.description.contains("the next write to the store undoes them") == true)
        #expect(FileManager.default.fileExists(atPath: "\(directory)/.journal"))
        // What the change left behind is all in the store's own directory, where a sweep finds it.
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
        #expect(!leftovers.isEmpty)
        #expect(leftovers.allSatisfy { !$0.contains("/") })

        // The next reader, in another process or not, rolls the change back before it reads.
        let next = DirectoryPersonaStore(directory: directory)
        #expect(try next.persona(id: "b")?.name == "Persona b")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/.journal"))
        #expect(try next.history(id: "a").map(\.version) == [1])
        // The next write removes the temporary files too.
        try next.save(samplePersona("c"), expectedVersion: 0)
        try next.delete(id: "c", expectedVersion: 1)
        #expect(snapshot(directory) == before)
        #expect(try next.persona(id: "a") == samplePersona("a"))
        #expect(try next.history(id: "a").map(\.version) == [1])
    }

    @Test func aJournalTheStoreDidNotWriteStopsWrites() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        write("rm -rf /\n", to: "\(directory)/.journal")
        let error = personaError {
            try DirectoryPersonaStore(directory: directory).save(samplePersona(), expectedVersion: 0)
        }
        #expect(error?.code == .damaged)
        #expect(error?.file == "\(directory)/.journal")
        #expect(read("\(directory)/.journal") == "rm -rf /\n")
    }

    @Test(arguments: StoreKind.allCases) func saveAllChecksEveryChangeBeforeWriting(kind: StoreKind) throws {
        let (store, directory) = kind.make()
        defer { directory.map(removeDirectory) }
        try store.save(samplePersona("a"), expectedVersion: 0)
        let stale = personaError {
            try store.saveAll([
                PersonaChange(samplePersona("b"), expectedVersion: 0),
                PersonaChange(samplePersona("a"), expectedVersion: 0),
            ])
        }
        #expect(stale?.code == .conflict)
        #expect(try store.persona(id: "b") == nil)
        let twice = personaError {
            try store.saveAll([
                PersonaChange(samplePersona("b"), expectedVersion: 0),
                PersonaChange(samplePersona("b"), expectedVersion: 0),
            ])
        }
        #expect(twice?.code == .invalidArgument)
        #expect(try store.list().map(\.id) == ["a"])
    }

    // MARK: 12: versions that cannot increase

    @Test func aPersonaAtTheLargestVersionCannotChangeAndSaysSo() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: directory))
        var top = samplePersona("top")
        top.version = .max
        #expect(try manager.importPersonas([top]).map(\.action) == [.created])
        #expect(try manager.importPersonas([top]).map(\.action) == [.unchanged])
        let error = personaError { _ = try manager.importPersonas([renamed(top, "Changed")]) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("at version 9223372036854775807, the largest there is") == true)
        #expect(personaError { _ = try manager.update(renamed(top, "Changed")) }?.code == .invalidArgument)
        #expect(try manager.load("top") == top)
    }

    // MARK: 17: no symbolic link followed

    enum Plant: String, CaseIterable, CustomTestStringConvertible {
        case currentFile, historyDirectory, versionFile, lockFile, journal
        var testDescription: String { rawValue }

        func path(in store: String) -> String {
            switch self {
            case .currentFile: return "\(store)/auditor.json"
            case .historyDirectory: return "\(store)/auditor.history"
            case .versionFile: return "\(store)/auditor.history/2.json"
            case .lockFile: return "\(store)/.lock"
            case .journal: return "\(store)/.journal"
            }
        }
    }

    @Test(arguments: Plant.allCases) func aPlantedLinkIsRefusedAndNothingOutsideIsTouched(plant: Plant) throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        let directory = "\(root)/store"
        let store = DirectoryPersonaStore(directory: directory)
        try store.save(samplePersona(), expectedVersion: 0)
        let outside = plant == .historyDirectory ? "\(root)/outside-directory" : "\(root)/outside.txt"
        if plant == .historyDirectory {
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
        } else {
            write("outside", to: outside)
        }
        let path = plant.path(in: directory)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside)
        var next = renamed(samplePersona(), "Next")
        next.version = 2
        let error = personaError { try store.save(next, expectedVersion: 1) }
        #expect(error?.code == .damaged)
        #expect(error?.file == path)
        #expect(error?.message.contains("symbolic link") == true)
        if plant == .historyDirectory {
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        } else {
            #expect(read(outside) == "outside")
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path) == outside)
    }

    @Test func aLinkedPersonaFileIsNotReadThrough() throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        let directory = "\(root)/store"
        try DirectoryPersonaStore(directory: directory).save(samplePersona("real"), expectedVersion: 0)
        try FileManager.default.copyItem(atPath: "\(directory)/real.json", toPath: "\(root)/elsewhere.json")
        try FileManager.default.createSymbolicLink(
            atPath: "\(directory)/linked.json",
            withDestinationPath: "\(root)/elsewhere.json"
        )
        let store = DirectoryPersonaStore(directory: directory)
        #expect(personaError { _ = try store.persona(id: "linked") }?.code == .damaged)
        let listing = try store.listing()
        #expect(listing.personas.map(\.id) == ["real"])
        #expect(listing.problems.map(\.file) == ["\(directory)/linked.json"])
    }

    @Test func theStoreDirectoryItselfMayBeALink() throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        try FileManager.default.createDirectory(atPath: "\(root)/real", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: "\(root)/link", withDestinationPath: "\(root)/real")
        let store = DirectoryPersonaStore(directory: "\(root)/link")
        try store.save(samplePersona(), expectedVersion: 0)
        #expect(try DirectoryPersonaStore(directory: "\(root)/real").persona(id: "auditor") == samplePersona())
    }

    // MARK: 18: stale temporary files

    @Test func temporaryFilesOfKilledWritesAreRemovedUnderTheLock() throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        let directory = "\(root)/store"
        let store = DirectoryPersonaStore(directory: directory)
        try store.save(samplePersona(), expectedVersion: 0)
        let stale = [
            "\(directory)/.auditor.json.\(UUID().uuidString).tmp",
            "\(directory)/.other.json.\(UUID().uuidString).tmp",
            "\(directory)/auditor.history/.2.json.\(UUID().uuidString).tmp",
        ]
        for path in stale { write(String(repeating: "x", count: 4096), to: path) }
        let linked = "\(directory)/.x.json.\(UUID().uuidString).tmp"
        write("outside", to: "\(root)/outside.txt")
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: "\(root)/outside.txt")
        write("mine", to: "\(directory)/.notes.tmp")
        var next = renamed(samplePersona(), "Next")
        next.version = 2
        try store.save(next, expectedVersion: 1)
        for path in stale + [linked] { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
        #expect(read("\(root)/outside.txt") == "outside")
        #expect(read("\(directory)/.notes.tmp") == "mine")
        #expect(try store.history(id: "auditor").map(\.version) == [1, 2])
    }

    // MARK: 19: garbage in the store, a store that is not a directory

    @Test func oneGarbageFileDoesNotHideTheOthers() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: directory))
        try manager.create(samplePersona("mine"))
        write("\u{7F}garbage", to: "\(directory)/zz.json")
        write("{\"id\": \"debugger\"}", to: "\(directory)/debugger.json")
        write("not json at all", to: "\(directory)/bad id.json")
        let listing = try manager.listing()
        #expect(listing.personas.contains { $0.id == "mine" })
        #expect(listing.personas.contains { $0.id == "security_auditor" })
        // A built-in persona whose stored file is unreadable is not shown in its place.
        #expect(!listing.personas.contains { $0.id == "debugger" })
        #expect(
            listing.problems.map(\.file) == [
                "\(directory)/bad id.json", "\(directory)/debugger.json", "\(directory)/zz.json",
            ]
        )
        #expect(listing.problems.allSatisfy { $0.code == .damaged })
        #expect(personaError { _ = try manager.list() }?.code == .damaged)
        #expect(personaError { _ = try manager.suggest(for: "debug it") }?.code == .damaged)
    }

    @Test func aStorePathThatIsNotADirectoryIsAnError() throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        write("a file", to: "\(root)/file")
        let store = DirectoryPersonaStore(directory: "\(root)/file")
        for error in [
            personaError { _ = try store.list() }, personaError { _ = try store.persona(id: "auditor") },
            personaError { _ = try store.listing() },
        ] {
            #expect(error?.code == .io)
            #expect(error?.description == "\(root)/file: is not a directory [io]")
        }
        let empty = DirectoryPersonaStore(directory: "")
        #expect(personaError { _ = try empty.list() }?.code == .invalidArgument)
        #expect(personaError { try empty.save(samplePersona(), expectedVersion: 0) }?.code == .invalidArgument)
        #expect(!FileManager.default.fileExists(atPath: "/auditor.json"))
    }

    // MARK: Exact names

    @Test(arguments: StoreKind.allCases) func idsAndNamesEnterNormalized(kind: StoreKind) throws {
        let (store, directory) = kind.make()
        defer { directory.map(removeDirectory) }
        let manager = PersonaManager(store: store)
        var persona = samplePersona("cafe")
        persona.name = "Cafe\u{301} au lait"
        persona.expertise = ["re\u{301}sume\u{301}s"]
        try manager.create(persona)
        let stored = try #require(try store.persona(id: "cafe"))
        #expect(stored.name.unicodeScalars.elementsEqual("Caf\u{E9} au lait".unicodeScalars))
        #expect(stored.expertise[0].unicodeScalars.elementsEqual("r\u{E9}sum\u{E9}s".unicodeScalars))
        // An id that is not ASCII is no persona id in any spelling.
        #expect(personaError { _ = try manager.load("caf\u{E9}") }?.code != nil)
        #expect(try manager.importPersonas([persona]).map(\.action) == [.unchanged])
    }
}
