import Foundation
import Testing
import VictorFiles
import VictorTestSupport

@Suite struct FileSystemTests {
    let directories = TemporaryDirectories()

    @Test func writeAtomicallyCreatesAndReplaces() throws {
        let directory = directories.make("victor-files")
        let fileSystem = POSIXFileSystem()
        let path = "\(directory)/config.yaml"
        #expect(try fileSystem.read(path) == nil)
        try fileSystem.writeAtomically(Array("first".utf8), to: path)
        try fileSystem.writeAtomically(Array("second".utf8), to: path)
        #expect(try fileSystem.read(path) == Array("second".utf8))
        #expect(try fileSystem.contentsOfDirectory(directory) == ["config.yaml"])
    }

    @Test func aFailedWriteNamesTheStepAndLeavesNothingBehind() throws {
        let directory = directories.make("victor-files")
        let path = "\(directory)/missing/config.yaml"
        let error = #expect(throws: FileSystemError.self) {
            try POSIXFileSystem().writeAtomically(Array("x".utf8), to: path)
        }
        #expect(error?.operation == "open")
        #expect(error?.description.contains("No such file or directory") == true)
        #expect(try POSIXFileSystem().contentsOfDirectory(directory).isEmpty)
    }

    @Test func aFailedRenameKeepsThePreviousContentAndRemovesTheTemporaryFile() throws {
        let directory = directories.make("victor-files")
        let path = "\(directory)/config.yaml"
        try POSIXFileSystem().writeAtomically(Array("kept".utf8), to: path)
        #expect(throws: FileSystemError.self) {
            try RenameFails().writeAtomically(Array("lost".utf8), to: path)
        }
        #expect(try POSIXFileSystem().read(path) == Array("kept".utf8))
        #expect(try POSIXFileSystem().contentsOfDirectory(directory) == ["config.yaml"])
    }
}

/// The real file system, except that every rename fails.
struct RenameFails: FileSystem {
    let base = POSIXFileSystem()
    func read(_ path: String) throws -> [UInt8]? { try base.read(path) }
    func writeAndSync(_ bytes: [UInt8], to path: String) throws { try base.writeAndSync(bytes, to: path) }
    func rename(_ source: String, to destination: String) throws {
        throw FileSystemError(operation: "rename", path: destination, errno: EIO)
    }
    func remove(_ path: String) throws { try base.remove(path) }
    func contentsOfDirectory(_ path: String) throws -> [String] { try base.contentsOfDirectory(path) }
    func createDirectory(_ path: String) throws { try base.createDirectory(path) }
    func syncDirectory(_ path: String) throws { try base.syncDirectory(path) }
    func lock(_ path: String) throws -> any FileLock { try base.lock(path) }
}

/// A store's own files: symbolic links are never followed, stale temporary files are found by
/// name (issue 9, findings 17 and 18).
@Suite struct FileSystemLinkTests {
    let fileSystem = POSIXFileSystem()

    let directories = TemporaryDirectories()

    @Test func readWriteAndLockRefuseASymbolicLinkAndLeaveItsTargetAlone() throws {
        let directory = directories.make("victor-files")
        let target = "\(directory)/target"
        try fileSystem.writeAtomically(Array("outside".utf8), to: target)
        let link = "\(directory)/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let missing = "\(directory)/dangling"
        try FileManager.default.createSymbolicLink(atPath: missing, withDestinationPath: "\(directory)/created")

        let readError = #expect(throws: FileSystemError.self) { _ = try fileSystem.read(link) }
        #expect(readError?.isSymbolicLink == true)
        #expect(readError?.description == "open \(link): is a symbolic link, which is never followed")
        let writeError = #expect(throws: FileSystemError.self) { try fileSystem.writeAndSync([1], to: missing) }
        #expect(writeError?.isSymbolicLink == true)
        let lockError = #expect(throws: FileSystemError.self) { _ = try fileSystem.lock(missing) }
        #expect(lockError?.isSymbolicLink == true)
        #expect(try fileSystem.read(target) == Array("outside".utf8))
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/created"))

        #expect(try fileSystem.kind(of: link) == .symbolicLink)
        #expect(try fileSystem.kind(of: missing) == .symbolicLink)
        #expect(try fileSystem.kind(of: target) == .regular)
        #expect(try fileSystem.kind(of: directory) == .directory)
        #expect(try fileSystem.kind(of: "\(directory)/nothing") == nil)

        try fileSystem.remove(link)
        try fileSystem.remove(missing)
        #expect(try fileSystem.kind(of: link) == nil)
        #expect(try fileSystem.kind(of: missing) == nil)
        #expect(try fileSystem.read(target) == Array("outside".utf8))
    }

    @Test func onlyRegularFilesAreRead() throws {
        let directory = directories.make("victor-files")
        let fifo = "\(directory)/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        // A pipe with no writer would block a plain open; it is refused at once.
        let pipeError = #expect(throws: FileSystemError.self) { _ = try fileSystem.read(fifo) }
        #expect(pipeError?.reason == "is not a regular file")
        #expect(try fileSystem.kind(of: fifo) == .other)
        let directoryError = #expect(throws: FileSystemError.self) { _ = try fileSystem.read(directory) }
        #expect(directoryError?.reason == "is a directory")
    }

    @Test func removeTemporaryFilesTakesOnlyTheNamesWriteAtomicallyMakes() throws {
        let directory = directories.make("victor-files")
        let stale = fileSystem.temporaryPath(for: "\(directory)/persona.json")
        try fileSystem.writeAndSync(Array("stale".utf8), to: stale)
        let linked = fileSystem.temporaryPath(for: "\(directory)/other.json")
        try fileSystem.writeAndSync(Array("kept".utf8), to: "\(directory)/target")
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: "\(directory)/target")
        let kept = [".notes.tmp", "persona.json", ".persona.json.not-a-uuid.tmp", "x.\(UUID().uuidString).tmp"]
        for name in kept { try fileSystem.writeAndSync(Array("mine".utf8), to: "\(directory)/\(name)") }
        let removed = try fileSystem.removeTemporaryFiles(in: directory)
        #expect(
            Set(removed) == [String(stale.split(separator: "/").last!), String(linked.split(separator: "/").last!)]
        )
        #expect(try Set(fileSystem.contentsOfDirectory(directory)) == Set(kept + ["target"]))
        #expect(try fileSystem.read("\(directory)/target") == Array("kept".utf8))
    }
}
