import Foundation
import Synchronization
import Testing
import VictorFiles
import VictorPersonas

/// A file system whose `rename` fails on demand: the temporary file is written, the rename never happens.
final class FailingRenameFileSystem: FileSystem {
    let base = POSIXFileSystem()
    let failRenames = Atomic<Bool>(false)

    struct Injected: Error {}

    func read(_ path: String) throws -> [UInt8]? { try base.read(path) }
    func writeAndSync(_ bytes: [UInt8], to path: String) throws { try base.writeAndSync(bytes, to: path) }
    func rename(_ source: String, to destination: String) throws {
        if failRenames.load(ordering: .relaxed) { throw Injected() }
        try base.rename(source, to: destination)
    }
    func remove(_ path: String) throws { try base.remove(path) }
    func contentsOfDirectory(_ path: String) throws -> [String] { try base.contentsOfDirectory(path) }
    func createDirectory(_ path: String) throws { try base.createDirectory(path) }
    func syncDirectory(_ path: String) throws { try base.syncDirectory(path) }
    func lock(_ path: String) throws -> any FileLock { try base.lock(path) }
}

enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case memory, directory
    var testDescription: String { rawValue }

    func make() -> (any PersonaStore, String?) {
        switch self {
        case .memory: return (InMemoryPersonaStore(), nil)
        case .directory:
            let directory = temporaryDirectory()
            return (DirectoryPersonaStore(directory: directory), directory)
        }
    }
}

@Suite struct PersonaStoreTests {
    @Test(arguments: StoreKind.allCases) func historyEntriesNeverAliasTheLivePersona(kind: StoreKind) throws {
        let (store, directory) = kind.make()
        defer { directory.map(removeDirectory) }
        var persona = samplePersona()
        try store.save(persona, expectedVersion: 0)
        persona.expertise.append("cryptography")
        persona.version = 2
        try store.save(persona, expectedVersion: 1)
        let first = try #require(try store.persona(id: "auditor", version: 1))
        #expect(first.expertise == ["security", "auditing"])
        #expect(try store.persona(id: "auditor")?.expertise == ["security", "auditing", "cryptography"])
        #expect(try store.history(id: "auditor").map(\.version) == [1, 2])
        #expect(try store.history(id: "auditor")[0] == first)
    }

    @Test(arguments: StoreKind.allCases) func aStaleWriterGetsAConflictNotASilentOverwrite(kind: StoreKind) throws {
        let (store, directory) = kind.make()
        defer { directory.map(removeDirectory) }
        try store.save(samplePersona(), expectedVersion: 0)
        var alice = samplePersona()
        alice.name = "Alice's edit"
        alice.version = 2
        var bob = samplePersona()
        bob.name = "Bob's edit"
        bob.version = 2
        try store.save(alice, expectedVersion: 1)
        let error = personaError { try store.save(bob, expectedVersion: 1) }
        #expect(error?.code == .conflict)
        #expect(try store.persona(id: "auditor")?.name == "Alice's edit")
        #expect(personaError { try store.save(samplePersona(), expectedVersion: 0) }?.code == .conflict)
    }

    @Test(arguments: StoreKind.allCases) func invalidOrNonIncreasingSavesAreRejected(kind: StoreKind) throws {
        let (store, directory) = kind.make()
        defer { directory.map(removeDirectory) }
        var invalid = samplePersona()
        invalid.constraints.preferredTools = ["shell"]
        #expect(personaError { try store.save(invalid, expectedVersion: 0) }?.code == .invalidValue)
        try store.save(samplePersona(), expectedVersion: 0)
        #expect(personaError { try store.save(samplePersona(), expectedVersion: 1) }?.code == .invalidArgument)
        #expect(try store.list().map(\.id) == ["auditor"])
    }

    @Test(arguments: StoreKind.allCases) func deleteChecksTheVersion(kind: StoreKind) throws {
        let (store, directory) = kind.make()
        defer { directory.map(removeDirectory) }
        try store.save(samplePersona(), expectedVersion: 0)
        #expect(personaError { try store.delete(id: "auditor", expectedVersion: 3) }?.code == .conflict)
        try store.delete(id: "auditor", expectedVersion: 1)
        #expect(try store.persona(id: "auditor") == nil)
        #expect(try store.history(id: "auditor").isEmpty)
        #expect(personaError { try store.delete(id: "auditor", expectedVersion: 1) }?.code == .notFound)
        try store.save(samplePersona(), expectedVersion: 0)
        #expect(try store.history(id: "auditor").count == 1)
    }

    @Test func aMissingDirectoryIsCreatedAndAYmlNamedPathStillWrites() throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        for path in ["\(root)/a/b/c", "\(root)/personas.yml"] {
            let store = DirectoryPersonaStore(directory: path)
            try store.save(samplePersona(), expectedVersion: 0)
            #expect(FileManager.default.fileExists(atPath: "\(path)/auditor.json"))
            #expect(try DirectoryPersonaStore(directory: path).persona(id: "auditor") == samplePersona())
        }
    }

    @Test func aFileWhereTheDirectoryBelongsIsAnErrorNotASilentNoOp() throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        write("not a directory", to: "\(root)/personas.yaml")
        let store = DirectoryPersonaStore(directory: "\(root)/personas.yaml")
        #expect(personaError { try store.save(samplePersona(), expectedVersion: 0) }?.code == .io)
        #expect(read("\(root)/personas.yaml") == "not a directory")
    }

    @Test func aCorruptFileIsReportedAndNeverOverwrittenBySavingAnother() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = DirectoryPersonaStore(directory: directory)
        try store.save(samplePersona("first"), expectedVersion: 0)
        let corrupt = "{\"id\": \"broken\", \"name\": [unterminated\n"
        write(corrupt, to: "\(directory)/broken.json")
        try store.save(samplePersona("second"), expectedVersion: 0)
        #expect(read("\(directory)/broken.json") == corrupt)
        let error = personaError { _ = try store.list() }
        #expect(error?.code == .damaged)
        #expect(error?.file == "\(directory)/broken.json")
        #expect(error?.line != nil)
        #expect(try store.persona(id: "first") == samplePersona("first"))
        let listing = try store.listing()
        #expect(listing.personas.map(\.id) == ["first", "second"])
        #expect(listing.problems.map(\.file) == ["\(directory)/broken.json"])
    }

    @Test func aFailedWriteAfterTheTemporaryFileLeavesThePreviousFileIntact() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let fileSystem = FailingRenameFileSystem()
        let store = DirectoryPersonaStore(directory: directory, fileSystem: fileSystem)
        try store.save(samplePersona(), expectedVersion: 0)
        let before = read("\(directory)/auditor.json")
        fileSystem.failRenames.store(true, ordering: .relaxed)
        var next = samplePersona()
        next.name = "Never written"
        next.version = 2
        #expect(personaError { try store.save(next, expectedVersion: 1) }?.code == .io)
        #expect(read("\(directory)/auditor.json") == before)
        #expect(try store.persona(id: "auditor") == samplePersona())
        #expect(try store.history(id: "auditor").map(\.version) == [1])
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
        fileSystem.failRenames.store(false, ordering: .relaxed)
        try store.save(next, expectedVersion: 1)
        #expect(try store.persona(id: "auditor")?.name == "Never written")
    }

    @Test func filesAreStrictlyReadBack() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        write(
            "{\"id\": \"other\", \"name\": \"X\", \"personality\": \"curious\", \"communication_style\": \"casual\"}",
            to: "\(directory)/mismatch.json"
        )
        let store = DirectoryPersonaStore(directory: directory)
        let mismatch = personaError { _ = try store.persona(id: "mismatch") }
        #expect(mismatch?.code == .damaged)
        #expect(mismatch?.description.contains("does not hold exactly the persona 'mismatch'") == true)
        #expect(personaError { _ = try store.persona(id: "../etc") }?.code == .invalidArgument)
    }
}
