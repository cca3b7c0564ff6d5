import Foundation
import Testing
import VictorPersonas
import VictorTestSupport

@Suite struct PersonaStoreTests {
    let directories = TemporaryDirectories()

    @Test func aMissingDirectoryIsCreatedAndAYmlNamedPathStillWrites() async throws {
        let root = directories.make()
        for path in ["\(root)/a/b/c", "\(root)/personas.yml"] {
            let store = DirectoryPersonaStore(directory: path)
            try await store.save(samplePersona(), expectedVersion: 0)
            #expect(FileManager.default.fileExists(atPath: "\(path)/auditor.json"))
            #expect(try await DirectoryPersonaStore(directory: path).persona(id: "auditor") == samplePersona())
        }
    }

    @Test func aFileWhereTheDirectoryBelongsIsAnErrorNotASilentNoOp() async throws {
        let root = directories.make()
        write("not a directory", to: "\(root)/personas.yaml")
        let store = DirectoryPersonaStore(directory: "\(root)/personas.yaml")
        #expect(await personaError { try await store.save(samplePersona(), expectedVersion: 0) }?.code == .io)
        #expect(read("\(root)/personas.yaml") == "not a directory")
    }

    @Test func aCorruptFileIsReportedAndNeverOverwrittenBySavingAnother() async throws {
        let directory = directories.make()
        let store = DirectoryPersonaStore(directory: directory)
        try await store.save(samplePersona("first"), expectedVersion: 0)
        let corrupt = "{\"id\": \"broken\", \"name\": [unterminated\n"
        write(corrupt, to: "\(directory)/broken.json")
        try await store.save(samplePersona("second"), expectedVersion: 0)
        #expect(read("\(directory)/broken.json") == corrupt)
        let error = await personaError { _ = try await store.list() }
        #expect(error?.code == .damaged)
        #expect(error?.location?.file == "\(directory)/broken.json")
        #expect(error?.location?.line != nil)
        #expect(try await store.persona(id: "first") == samplePersona("first"))
        let listing = try await store.listing()
        #expect(listing.personas.map(\.id) == ["first", "second"])
        #expect(listing.problems.map(\.location?.file) == ["\(directory)/broken.json"])
    }

    @Test func aFailedWriteAfterTheTemporaryFileLeavesThePreviousFileIntact() async throws {
        let directory = directories.make()
        let fileSystem = FaultInjectingFileSystem()
        let store = DirectoryPersonaStore(directory: directory, fileSystem: fileSystem)
        try await store.save(samplePersona(), expectedVersion: 0)
        let before = read("\(directory)/auditor.json")
        fileSystem.failEvery(.rename)
        var next = samplePersona()
        next.name = "Never written"
        next.version = 2
        #expect(await personaError { try await store.save(next, expectedVersion: 1) }?.code == .io)
        #expect(read("\(directory)/auditor.json") == before)
        #expect(try await store.persona(id: "auditor") == samplePersona())
        #expect(try await store.history(id: "auditor").map(\.version) == [1])
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
        fileSystem.heal()
        try await store.save(next, expectedVersion: 1)
        #expect(try await store.persona(id: "auditor")?.name == "Never written")
    }

    @Test func filesAreStrictlyReadBack() async throws {
        let directory = directories.make()
        write(
            "{\"id\": \"other\", \"name\": \"X\", \"personality\": \"curious\", \"communication_style\": \"casual\"}",
            to: "\(directory)/mismatch.json"
        )
        let store = DirectoryPersonaStore(directory: directory)
        let mismatch = await personaError { _ = try await store.persona(id: "mismatch") }
        #expect(mismatch?.code == .damaged)
        #expect(mismatch?.description.contains("does not hold exactly the persona 'mismatch'") == true)
        #expect(await personaError { _ = try await store.persona(id: "../etc") }?.code == .invalidArgument)
    }
}
