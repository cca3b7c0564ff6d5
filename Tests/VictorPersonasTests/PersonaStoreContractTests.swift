import Foundation
import Testing
import VictorPersonas
import VictorTestSupport

/// The published store contract, run against both shipped backends.
@Suite struct PersonaStoreContractTests {
    let directories = TemporaryDirectories()

    @Test(arguments: PersonaStoreContract.rules)
    func inMemoryStoreKeepsTheContract(rule: PersonaStoreContract.Rule) async throws {
        try await rule.check { InMemoryPersonaStore() }
    }

    @Test(arguments: PersonaStoreContract.rules)
    func directoryStoreKeepsTheContract(rule: PersonaStoreContract.Rule) async throws {
        try await rule.check { [directories] in DirectoryPersonaStore(directory: directories.make("victor-contract")) }
    }

    @Test func theContractCoversEveryDocumentedRule() {
        #expect(
            PersonaStoreContract.rules.map(\.name) == [
                "optimisticConcurrency", "concurrentWritersOneWinner", "versionsOnlyGrow", "immutableHistory",
                "validation", "normalizedText", "allOrNothingSaveAll", "deleteSemantics", "listing",
            ]
        )
    }
}

/// The directory store killed at every point of a change: a store opened afterwards sees every
/// persona as it was before the change or as the change left it, never a mixture.
@Suite struct PersonaStoreCrashTests {
    let directories = TemporaryDirectories()

    static func renamed(_ persona: Persona, _ name: String, version: Int) -> Persona {
        var copy = persona
        copy.name = name
        copy.version = version
        return copy
    }

    /// The store before the change: `a` and `b` at version 1.
    func seededStore(_ fileSystem: FaultInjectingFileSystem) async throws -> (DirectoryPersonaStore, String) {
        let directory = directories.make("victor-crash")
        let store = DirectoryPersonaStore(directory: directory, fileSystem: fileSystem)
        try await store.saveAll([
            PersonaChange(samplePersona("a"), expectedVersion: 0),
            PersonaChange(samplePersona("b"), expectedVersion: 0),
        ])
        return (store, directory)
    }

    static let change = [
        PersonaChange(renamed(samplePersona("a"), "A2", version: 2), expectedVersion: 1),
        PersonaChange(renamed(samplePersona("b"), "B2", version: 2), expectedVersion: 1),
        PersonaChange(samplePersona("c"), expectedVersion: 0),
    ]

    @Test func aBatchKilledAtAnyPointIsWhollyThereOrWhollyAbsent() async throws {
        // Count the changes an undisturbed batch makes: every one of them is a crash point.
        let counter = FaultInjectingFileSystem()
        let (counted, _) = try await seededStore(counter)
        let before = counter.changes
        try await counted.saveAll(Self.change)
        let crashPoints = counter.changes - before
        #expect(crashPoints > 6)

        for point in 0..<crashPoints {
            let fileSystem = FaultInjectingFileSystem()
            let (store, directory) = try await seededStore(fileSystem)
            fileSystem.crash(afterChanges: point)
            let error = await personaError { try await store.saveAll(Self.change) }
            #expect(fileSystem.hasCrashed, "crash point \(point)")

            // A restarted process: the real file system over the same directory.
            let restarted = DirectoryPersonaStore(directory: directory)
            let listing = try await restarted.listing()
            #expect(listing.problems.isEmpty, "crash point \(point): \(listing.problems)")
            let names = listing.personas.map(\.name)
            let old = ["Persona a", "Persona b"]
            let new = ["A2", "B2", "Persona c"]
            #expect(names == old || names == new, "crash point \(point): \(names)")
            // A change reported as saved is there (a crash while tidying up after it may be silent).
            if error == nil { #expect(names == new, "crash point \(point)") }
            let versions = try await restarted.history(id: "a").map(\.version)
            #expect(versions == (names == old ? [1] : [1, 2]), "crash point \(point)")
            // The store stays writable, and leaves no temporary file behind once written to.
            let next = names == old ? 1 : 2
            try await restarted.save(Self.renamed(samplePersona("a"), "A3", version: next + 1), expectedVersion: next)
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".tmp") || $0 == ".journal" }
            #expect(leftovers.isEmpty, "crash point \(point): \(leftovers)")
        }
    }

    @Test func theNthWriteRenameOrSyncFailingBeforeTheRenamesSavesNothing() async throws {
        // The journal is written, renamed and synced first, then the batch's files are renamed.
        let failures: [(FaultInjectingFileSystem.Operation, ClosedRange<Int>)] = [
            (.write, 1...8), (.rename, 1...6), (.sync, 1...1),
        ]
        for (operation, calls) in failures {
            for call in calls {
                let fileSystem = FaultInjectingFileSystem()
                let (store, directory) = try await seededStore(fileSystem)
                let before = snapshot(directory)
                fileSystem.fail(operation, call: call)
                let error = await personaError { try await store.saveAll(Self.change) }
                #expect(error?.code == .io, "\(operation) \(call)")
                #expect(error?.description.contains("nothing was saved") == true, "\(operation) \(call)")
                #expect(snapshot(directory) == before, "\(operation) \(call)")
                #expect(try await store.list().map(\.name) == ["Persona a", "Persona b"])
            }
        }
    }

    @Test func aSyncFailingAfterTheRenamesReportsAChangeThatWasMade() async throws {
        let fileSystem = FaultInjectingFileSystem()
        let (store, directory) = try await seededStore(fileSystem)
        fileSystem.fail(.sync, call: 2)
        let error = await personaError { try await store.saveAll(Self.change) }
        #expect(error?.code == .io)
        #expect(error?.description.contains("the change was written") == true)
        #expect(try await store.list().map(\.name) == ["A2", "B2", "Persona c"])
        #expect(try await DirectoryPersonaStore(directory: directory).history(id: "a").map(\.version) == [1, 2])
    }
}
