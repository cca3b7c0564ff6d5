import Foundation
import Testing
import VictorFiles

@Suite struct FileSystemTests {
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("victor-files-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func writeAtomicallyCreatesAndReplaces() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fileSystem = POSIXFileSystem()
        let path = "\(directory)/config.yaml"
        #expect(try fileSystem.read(path) == nil)
        try fileSystem.writeAtomically(Array("first".utf8), to: path)
        try fileSystem.writeAtomically(Array("second".utf8), to: path)
        #expect(try fileSystem.read(path) == Array("second".utf8))
        #expect(try fileSystem.contentsOfDirectory(directory) == ["config.yaml"])
    }

    @Test func aFailedWriteNamesTheStepAndLeavesNothingBehind() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/missing/config.yaml"
        let error = #expect(throws: FileSystemError.self) {
            try POSIXFileSystem().writeAtomically(Array("x".utf8), to: path)
        }
        #expect(error?.operation == "open")
        #expect(error?.description.contains("No such file or directory") == true)
        #expect(try POSIXFileSystem().contentsOfDirectory(directory).isEmpty)
    }

    @Test func aFailedRenameKeepsThePreviousContentAndRemovesTheTemporaryFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
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
