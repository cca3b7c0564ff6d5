import Foundation
import Logging
import Testing
import VictorFiles
import VictorPersonas
import VictorTestSupport

/// The directory store under failures, planted links, leftovers and garbage (issue 9, findings
/// 12 and 16–19).
@Suite struct PersonaStoreIntegrityTests {
    let directories = TemporaryDirectories()

    func renamed(_ persona: Persona, _ name: String) -> Persona {
        var copy = persona
        copy.name = name
        return copy
    }

    // MARK: 16: all or nothing

    @Test func anImportWhoseSecondWriteFailsLeavesTheStoreAsItWas() async throws {
        let directory = directories.make()
        let fileSystem = FaultInjectingFileSystem()
        let store = DirectoryPersonaStore(directory: directory, fileSystem: fileSystem)
        let manager = PersonaManager(store: store)
        _ = try await manager.importPersonas([samplePersona("first"), samplePersona("second")])
        let before = snapshot(directory)

        // Both are updated; the second persona's current file cannot be replaced.
        fileSystem.fail(.rename, at: "\(directory)/second.json")
        let error = await personaError {
            _ = try await manager.importPersonas([
                renamed(samplePersona("first"), "First, changed"), renamed(samplePersona("second"), "Second, changed"),
            ])
        }
        #expect(error?.code == .io)
        #expect(error?.description.contains("nothing was saved") == true)
        #expect(snapshot(directory) == before)
        let reader = DirectoryPersonaStore(directory: directory)
        #expect(try await reader.persona(id: "first")?.name == "Persona first")
        #expect(try await reader.history(id: "first").map(\.version) == [1])
        #expect(try await manager.load("first").name == "Persona first")

        // A new persona and an update, failing on the new one's history file.
        fileSystem.heal()
        fileSystem.fail(.rename, at: "\(directory)/third.history/1.json")
        let mixed = await personaError {
            _ = try await manager.importPersonas([
                renamed(samplePersona("first"), "First, changed"), samplePersona("third"),
            ])
        }
        #expect(mixed?.code == .io)
        #expect(snapshot(directory) == before)
        #expect(try await reader.persona(id: "third") == nil)

        fileSystem.heal()
        let outcomes = try await manager.importPersonas([
            renamed(samplePersona("first"), "First, changed"), samplePersona("third"),
        ])
        #expect(outcomes.map(\.action) == [.updated, .created])
        #expect(try await reader.persona(id: "first")?.version == 2)
        #expect(try await reader.persona(id: "third")?.version == 1)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/.journal"))
    }

    @Test func aChangeCutShortIsRolledBackByTheNextWrite() async throws {
        let directory = directories.make()
        let fileSystem = FaultInjectingFileSystem()
        let store = DirectoryPersonaStore(directory: directory, fileSystem: fileSystem)
        try await store.saveAll([
            PersonaChange(samplePersona("a"), expectedVersion: 0),
            PersonaChange(samplePersona("b"), expectedVersion: 0),
        ])
        let before = snapshot(directory)
        var a2 = renamed(samplePersona("a"), "A2")
        a2.version = 2
        var b2 = renamed(samplePersona("b"), "B2")
        b2.version = 2
        // The second rename fails and so does undoing the first: as if the process died midway.
        fileSystem.fail(.rename, at: "\(directory)/b.json")
        fileSystem.failEvery(.remove)
        let error = await personaError {
            try await store.saveAll([PersonaChange(a2, expectedVersion: 1), PersonaChange(b2, expectedVersion: 1)])
        }
        #expect(error?.description.contains("the next write to the store undoes them") == true)
        #expect(FileManager.default.fileExists(atPath: "\(directory)/.journal"))
        // What the change left behind is all in the store's own directory, where a sweep finds it.
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
        #expect(!leftovers.isEmpty)
        #expect(leftovers.allSatisfy { !$0.contains("/") })

        // The next reader, in another process or not, rolls the change back before it reads.
        let next = DirectoryPersonaStore(directory: directory)
        #expect(try await next.persona(id: "b")?.name == "Persona b")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/.journal"))
        #expect(try await next.history(id: "a").map(\.version) == [1])
        // The next write removes the temporary files too.
        try await next.save(samplePersona("c"), expectedVersion: 0)
        try await next.delete(id: "c", expectedVersion: 1)
        #expect(snapshot(directory) == before)
        #expect(try await next.persona(id: "a") == samplePersona("a"))
        #expect(try await next.history(id: "a").map(\.version) == [1])
    }

    @Test func aJournalTheStoreDidNotWriteStopsWrites() async throws {
        let directory = directories.make()
        write("rm -rf /\n", to: "\(directory)/.journal")
        let error = await personaError {
            try await DirectoryPersonaStore(directory: directory).save(samplePersona(), expectedVersion: 0)
        }
        #expect(error?.code == .damaged)
        #expect(error?.location?.file == "\(directory)/.journal")
        #expect(read("\(directory)/.journal") == "rm -rf /\n")
    }

    @Test func aPersonaAtTheLargestVersionCannotChangeAndSaysSo() async throws {
        let directory = directories.make()
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: directory))
        var top = samplePersona("top")
        top.version = .max
        #expect(try await manager.importPersonas([top]).map(\.action) == [.created])
        #expect(try await manager.importPersonas([top]).map(\.action) == [.unchanged])
        let error = await personaError { _ = try await manager.importPersonas([renamed(top, "Changed")]) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("at version 9223372036854775807, the largest there is") == true)
        #expect(await personaError { _ = try await manager.update(renamed(top, "Changed")) }?.code == .invalidArgument)
        #expect(try await manager.load("top") == top)
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

    @Test(arguments: Plant.allCases) func aPlantedLinkIsRefusedAndNothingOutsideIsTouched(plant: Plant) async throws {
        let root = directories.make()
        let directory = "\(root)/store"
        let store = DirectoryPersonaStore(directory: directory)
        try await store.save(samplePersona(), expectedVersion: 0)
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
        let error = await personaError { try await store.save(next, expectedVersion: 1) }
        #expect(error?.code == .damaged)
        #expect(error?.location?.file == path)
        #expect(error?.message.contains("symbolic link") == true)
        if plant == .historyDirectory {
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        } else {
            #expect(read(outside) == "outside")
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path) == outside)
    }

    @Test func aLinkedPersonaFileIsNotReadThrough() async throws {
        let root = directories.make()
        let directory = "\(root)/store"
        try await DirectoryPersonaStore(directory: directory).save(samplePersona("real"), expectedVersion: 0)
        try FileManager.default.copyItem(atPath: "\(directory)/real.json", toPath: "\(root)/elsewhere.json")
        try FileManager.default.createSymbolicLink(
            atPath: "\(directory)/linked.json",
            withDestinationPath: "\(root)/elsewhere.json"
        )
        let store = DirectoryPersonaStore(directory: directory)
        #expect(await personaError { _ = try await store.persona(id: "linked") }?.code == .damaged)
        let listing = try await store.listing()
        #expect(listing.personas.map(\.id) == ["real"])
        #expect(listing.problems.map(\.location?.file) == ["\(directory)/linked.json"])
    }

    @Test func theStoreDirectoryItselfMayBeALink() async throws {
        let root = directories.make()
        try FileManager.default.createDirectory(atPath: "\(root)/real", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: "\(root)/link", withDestinationPath: "\(root)/real")
        let store = DirectoryPersonaStore(directory: "\(root)/link")
        try await store.save(samplePersona(), expectedVersion: 0)
        #expect(try await DirectoryPersonaStore(directory: "\(root)/real").persona(id: "auditor") == samplePersona())
    }

    // MARK: 18: stale temporary files

    @Test func temporaryFilesOfKilledWritesAreRemovedUnderTheLock() async throws {
        let root = directories.make()
        let directory = "\(root)/store"
        let store = DirectoryPersonaStore(directory: directory)
        try await store.save(samplePersona(), expectedVersion: 0)
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
        try await store.save(next, expectedVersion: 1)
        for path in stale + [linked] { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
        #expect(read("\(root)/outside.txt") == "outside")
        #expect(read("\(directory)/.notes.tmp") == "mine")
        #expect(try await store.history(id: "auditor").map(\.version) == [1, 2])
    }

    // MARK: 19: garbage in the store, a store that is not a directory

    @Test func oneGarbageFileDoesNotHideTheOthers() async throws {
        let directory = directories.make()
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: directory))
        try await manager.create(samplePersona("mine"))
        write("\u{7F}garbage", to: "\(directory)/zz.json")
        write("{\"id\": \"debugger\"}", to: "\(directory)/debugger.json")
        write("not json at all", to: "\(directory)/bad id.json")
        let listing = try await manager.listing()
        #expect(listing.personas.contains { $0.id == "mine" })
        #expect(listing.personas.contains { $0.id == "security_auditor" })
        // A built-in persona whose stored file is unreadable is not shown in its place.
        #expect(!listing.personas.contains { $0.id == "debugger" })
        #expect(
            listing.problems.map(\.location?.file) == [
                "\(directory)/bad id.json", "\(directory)/debugger.json", "\(directory)/zz.json",
            ]
        )
        #expect(listing.problems.allSatisfy { $0.code == .damaged })
        #expect(await personaError { _ = try await manager.list() }?.code == .damaged)
        #expect(await personaError { _ = try await manager.suggest(for: "debug it") }?.code == .damaged)
    }

    @Test func aStorePathThatIsNotADirectoryIsAnError() async throws {
        let root = directories.make()
        write("a file", to: "\(root)/file")
        let store = DirectoryPersonaStore(directory: "\(root)/file")
        for error in [
            await personaError { _ = try await store.list() },
            await personaError { _ = try await store.persona(id: "auditor") },
            await personaError { _ = try await store.listing() },
        ] {
            #expect(error?.code == .io)
            #expect(error?.description == "\(root)/file: is not a directory [io]")
        }
        let empty = DirectoryPersonaStore(directory: "")
        #expect(await personaError { _ = try await empty.list() }?.code == .invalidArgument)
        #expect(
            await personaError { try await empty.save(samplePersona(), expectedVersion: 0) }?.code == .invalidArgument
        )
        #expect(!FileManager.default.fileExists(atPath: "/auditor.json"))
    }

    // MARK: Exact names

    @Test(arguments: StoreKind.allCases) func idsAndNamesEnterNormalized(kind: StoreKind) async throws {
        let store = kind.make(in: directories)
        let manager = PersonaManager(store: store)
        var persona = samplePersona("cafe")
        persona.name = "Cafe\u{301} au lait"
        persona.expertise = ["re\u{301}sume\u{301}s"]
        try await manager.create(persona)
        let stored = try #require(try await store.persona(id: "cafe"))
        #expect(stored.name.unicodeScalars.elementsEqual("Caf\u{E9} au lait".unicodeScalars))
        #expect(stored.expertise[0].unicodeScalars.elementsEqual("r\u{E9}sum\u{E9}s".unicodeScalars))
        // An id that is not ASCII is no persona id in any spelling.
        #expect(await personaError { _ = try await manager.load("caf\u{E9}") }?.code != nil)
        #expect(try await manager.importPersonas([persona]).map(\.action) == [.unchanged])
    }
}

@Suite struct PersonaStoreLeftoverTests {
    let directories = TemporaryDirectories()

    @Test func leftoversThatCannotBeRemovedAreLoggedAndRemovedByTheNextWrite() async throws {
        let directory = directories.make()
        let fileSystem = FaultInjectingFileSystem()
        let log = LogRecorder()
        let store = DirectoryPersonaStore(directory: directory, fileSystem: fileSystem, logger: log.logger)
        fileSystem.fail(.write, call: 2)
        fileSystem.failEvery(.remove)
        await #expect(throws: PersonaError.self) {
            try await store.saveAll([
                PersonaChange(samplePersona("a"), expectedVersion: 0),
                PersonaChange(samplePersona("b"), expectedVersion: 0),
            ])
        }
        let warnings = log.entries.filter { $0.level == .warning }
        #expect(!warnings.isEmpty)
        #expect(warnings.allSatisfy { $0.message.contains("cannot remove a leftover") && $0.metadata["path"] != nil })

        fileSystem.heal()
        try await store.saveAll([PersonaChange(samplePersona("c"), expectedVersion: 0)])
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(!names.contains { $0.hasSuffix(".tmp") }, "the next write removed the leftovers: \(names)")
        #expect(try await store.list().map(\.id) == ["c"])
    }
}
