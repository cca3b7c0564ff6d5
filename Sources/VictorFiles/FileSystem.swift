import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations Victor's stores need: the seam where tests inject failures.
///
/// Implementations must make ``writeAndSync(_:to:)`` durable before returning (written and
/// flushed to stable storage) and ``rename(_:to:)`` atomic (the destination is the old or the new
/// file, never a mixture).
public protocol FileSystem: Sendable {
    /// The file's bytes, or `nil` when there is no file at `path`.
    func read(_ path: String) throws -> [UInt8]?
    /// Creates or truncates the file, writes `bytes`, and syncs it to stable storage.
    func writeAndSync(_ bytes: [UInt8], to path: String) throws
    /// Atomically replaces `destination` with `source`.
    func rename(_ source: String, to destination: String) throws
    /// Removes a file or a directory tree; nothing happens when there is none.
    func remove(_ path: String) throws
    /// The names in a directory; empty when the directory does not exist.
    func contentsOfDirectory(_ path: String) throws -> [String]
    /// Creates a directory and its parents; fails when a file is in the way.
    func createDirectory(_ path: String) throws
    /// Syncs a directory, making renames in it durable.
    func syncDirectory(_ path: String) throws
    /// Takes an exclusive advisory lock on `path` (created if needed), shared with other
    /// processes; the returned value releases it.
    func lock(_ path: String) throws -> any FileLock
}

/// A held lock; ``unlock()`` releases it.
public protocol FileLock: Sendable {
    /// Releases the lock.
    func unlock()
}

/// A failed system call: which one, on which path, and `errno`.
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
    /// The operation, such as `rename`.
    public var operation: String
    /// The path.
    public var path: String
    /// The system error number.
    public var errno: Int32

    /// Creates an error.
    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// `rename /path: No such file or directory`.
    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

/// The operating system's file system, through POSIX calls.
public struct POSIXFileSystem: FileSystem {
    /// Creates the file system.
    public init() {}

    private func failure(_ operation: String, _ path: String) -> FileSystemError {
        FileSystemError(operation: operation, path: path, errno: errno)
    }

    /// Reads the whole file.
    public func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { break }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }

    /// Writes and fsyncs.
    public func writeAndSync(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure("open", path) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            offset += written
        }
        if fsync(fd) != 0 { throw failure("fsync", path) }
    }

    /// `rename(2)`.
    public func rename(_ source: String, to destination: String) throws {
        if systemRename(source, destination) != 0 { throw failure("rename", destination) }
    }

    /// Removes a file or a tree.
    public func remove(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }

    /// Lists a directory.
    public func contentsOfDirectory(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return []
        }
        return try FileManager.default.contentsOfDirectory(atPath: path)
    }

    /// Creates a directory tree.
    public func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// fsyncs a directory.
    public func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw failure("open", path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw failure("fsync", path) }
    }

    /// `flock(2)` on a lock file.
    public func lock(_ path: String) throws -> any FileLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure("open", path) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let error = failure("flock", path)
            close(fd)
            throw error
        }
        return Lock(fd: fd)
    }

    private struct Lock: FileLock {
        let fd: Int32
        func unlock() {
            _ = flock(fd, LOCK_UN)
            close(fd)
        }
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
private let systemRename = Glibc.rename
#elseif canImport(Darwin)
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
private let systemRename = Darwin.rename
#endif

extension FileSystem {
    /// Replaces the file at `path` with `bytes` so that a failure at any point leaves the
    /// previous content intact: a temporary file in the same directory is written and synced,
    /// renamed over `path`, and the directory is synced to make the rename durable. The
    /// temporary file is removed when a step fails.
    /// - Throws: the failing step's error.
    public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let directory = parentDirectory(of: path)
        let temporary = "\(directory)/.\(lastComponent(of: path)).\(UUID().uuidString).tmp"
        do {
            try writeAndSync(bytes, to: temporary)
            try rename(temporary, to: path)
        } catch {
            try? remove(temporary)
            throw error
        }
        try syncDirectory(directory)
    }
}

private func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

private func lastComponent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}
