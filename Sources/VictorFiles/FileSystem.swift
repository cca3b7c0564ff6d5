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
/// file, never a mixture). A store keeps its own files, so the operations on a file never follow a
/// symbolic link in the last component of its path: ``read(_:)``, ``writeAndSync(_:to:)`` and
/// ``lock(_:)`` fail on one (with `ELOOP`), ``remove(_:)`` removes the link itself, and
/// ``kind(of:)`` reports it.
public protocol FileSystem: Sendable {
    /// The bytes of the regular file at `path`, or `nil` when there is nothing at `path`.
    /// - Throws: ``FileSystemError`` when `path` is a symbolic link (`ELOOP`), a directory, a
    ///   device, a pipe or anything else but a regular file, or cannot be read.
    func read(_ path: String) throws -> [UInt8]?
    /// Creates or truncates the file, writes `bytes`, and syncs it to stable storage; fails when
    /// `path` is a symbolic link.
    func writeAndSync(_ bytes: [UInt8], to path: String) throws
    /// Atomically replaces `destination` with `source`.
    func rename(_ source: String, to destination: String) throws
    /// Removes a file, a symbolic link (never what it points to) or a directory tree; nothing
    /// happens when there is none.
    func remove(_ path: String) throws
    /// The names in a directory; empty when the directory does not exist.
    func contentsOfDirectory(_ path: String) throws -> [String]
    /// Creates a directory and its parents; fails when a file is in the way.
    func createDirectory(_ path: String) throws
    /// Syncs a directory, making renames in it durable.
    func syncDirectory(_ path: String) throws
    /// Takes an exclusive advisory lock on `path` (created if needed), shared with other
    /// processes; the returned value releases it. Fails when `path` is a symbolic link or not a
    /// regular file.
    func lock(_ path: String) throws -> any FileLock
    /// What is at `path` itself (a symbolic link is reported, not followed), or `nil` when nothing is.
    func kind(of path: String) throws -> FileKind?
}

/// What a path names, without following a symbolic link.
public enum FileKind: Sendable, Hashable {
    /// A regular file.
    case regular
    /// A directory.
    case directory
    /// A symbolic link (whatever it points to, if anything).
    case symbolicLink
    /// A pipe, socket or device.
    case other
}

extension FileSystem {
    /// `lstat(2)`: the default for file systems written before ``kind(of:)`` existed.
    public func kind(of path: String) throws -> FileKind? {
        try POSIXFileSystem().kind(of: path)
    }
}

/// Writes every byte of `bytes` to the open file `descriptor`, retrying short and interrupted
/// writes: the one write loop of the project.
/// - Returns: 0, or the `errno` of the write that failed.
public func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32 {
    var written = 0
    return writeAll(bytes, to: descriptor, written: &written)
}

/// ``writeAll(_:to:)``, telling in `written` how many bytes went out before a failure (all of
/// them on success): a caller that must not leave half a record behind undoes those.
public func writeAll(_ bytes: [UInt8], to descriptor: Int32, written: inout Int) -> Int32 {
    written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { [written] in
            systemWrite(descriptor, $0.baseAddress! + written, $0.count - written)
        }
        if count < 0 {
            if errno == EINTR { continue }
            return errno
        }
        written += count
    }
    return 0
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
    /// What went wrong, when the system error number alone would not say it clearly (such as
    /// `is a symbolic link`); `nil` for the system's own text.
    public var reason: String?

    /// Creates an error.
    public init(operation: String, path: String, errno: Int32, reason: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    /// Whether the path was a symbolic link, which the operation does not follow.
    public var isSymbolicLink: Bool { errno == ELOOP }

    /// `rename /path: No such file or directory`.
    public var description: String { "\(operation) \(path): \(reason ?? String(cString: strerror(errno)))" }
}

/// The operating system's file system, through POSIX calls.
public struct POSIXFileSystem: FileSystem {
    /// Creates the file system.
    public init() {}

    private func failure(_ operation: String, _ path: String) -> FileSystemError {
        let code = errno
        return FileSystemError(
            operation: operation,
            path: path,
            errno: code,
            reason: code == ELOOP ? "is a symbolic link, which is never followed" : nil
        )
    }

    /// Opens `path` without following a symbolic link in its last component and without
    /// blocking on a pipe, and checks that it is a regular file.
    private func openRegularFile(_ path: String, _ flags: Int32, _ operation: String) throws -> Int32? {
        let fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure(operation, path)
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = failure("fstat", path)
            close(fd)
            throw error
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            let what = status.st_mode & S_IFMT == S_IFDIR ? "is a directory" : "is not a regular file"
            throw FileSystemError(operation: operation, path: path, errno: EINVAL, reason: what)
        }
        return fd
    }

    /// Reads the whole regular file; a symbolic link is not followed.
    public func read(_ path: String) throws -> [UInt8]? {
        guard let fd = try openRegularFile(path, O_RDONLY, "open") else { return nil }
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

    /// Writes and fsyncs; a symbolic link is not followed.
    public func writeAndSync(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure("open", path) }
        defer { close(fd) }
        let error = writeAll(bytes, to: fd)
        if error != 0 { throw FileSystemError(operation: "write", path: path, errno: error) }
        if fsync(fd) != 0 { throw failure("fsync", path) }
    }

    /// `rename(2)`.
    public func rename(_ source: String, to destination: String) throws {
        if systemRename(source, destination) != 0 { throw failure("rename", destination) }
    }

    /// Removes a file, a symbolic link (not its target) or a tree, whose links are not followed either.
    public func remove(_ path: String) throws {
        switch try kind(of: path) {
        case nil: return
        case .directory:
            for name in try contentsOfDirectory(path) { try remove("\(path)/\(name)") }
            if rmdir(path) != 0, errno != ENOENT { throw failure("rmdir", path) }
        default:
            if unlink(path) != 0, errno != ENOENT { throw failure("unlink", path) }
        }
    }

    /// Lists a directory (`readdir(3)`); empty when there is none.
    public func contentsOfDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw failure("opendir", path)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw failure("readdir", path) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates a directory and its missing parents (`mkdir(2)`); an existing directory, or a link
    /// to one, is left as it is.
    public func createDirectory(_ path: String) throws {
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw FileSystemError(operation: "mkdir", path: path, errno: ENOTDIR, reason: "is not a directory")
            }
            return
        }
        let parent = parentDirectory(of: path)
        if parent != path, parent != "/", parent != "." { try createDirectory(parent) }
        if mkdir(path, 0o755) != 0 {
            if errno == EEXIST, stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { return }
            throw failure("mkdir", path)
        }
    }

    /// fsyncs a directory.
    public func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw failure("open", path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw failure("fsync", path) }
    }

    /// `flock(2)` on a lock file; a symbolic link is not followed.
    public func lock(_ path: String) throws -> any FileLock {
        guard let fd = try openRegularFile(path, O_RDWR | O_CREAT, "open") else {
            throw FileSystemError(operation: "open", path: path, errno: ENOENT)
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let error = failure("flock", path)
            close(fd)
            throw error
        }
        return Lock(fd: fd)
    }

    /// `lstat(2)`.
    public func kind(of path: String) throws -> FileKind? {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw failure("lstat", path)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
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
        let temporary = temporaryPath(for: path)
        do {
            try writeAndSync(bytes, to: temporary)
            try rename(temporary, to: path)
        } catch {
            try? remove(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    /// A fresh name for a temporary file beside `path`, as ``writeAtomically(_:to:)`` uses:
    /// `DIRECTORY/.NAME.UUID.tmp`.
    public func temporaryPath(for path: String) -> String {
        "\(parentDirectory(of: path))/.\(lastComponent(of: path)).\(UUID().uuidString).tmp"
    }

    /// Removes the temporary files that interrupted writes left in `directory` (names made by
    /// ``temporaryPath(for:)``; a symbolic link of that name is removed, never followed), and
    /// returns their names.
    ///
    /// Call it only while no writer can be writing in `directory`, such as under the lock every
    /// writer of a store holds: a temporary file found then belongs to no live write.
    @discardableResult
    public func removeTemporaryFiles(in directory: String) throws -> [String] {
        var removed: [String] = []
        for name in try contentsOfDirectory(directory) where isTemporaryFileName(name) {
            try remove("\(directory)/\(name)")
            removed.append(name)
        }
        return removed
    }
}

/// Whether `name` is one ``FileSystem/temporaryPath(for:)`` makes: `.NAME.UUID.tmp`.
func isTemporaryFileName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    // "." + at least one byte + "." + 36-byte UUID + ".tmp"
    guard bytes.count >= 43, bytes[0] == UInt8(ascii: "."), name.hasSuffix(".tmp") else { return false }
    let uuidEnd = bytes.count - 4
    let uuidStart = uuidEnd - 36
    guard bytes[uuidStart - 1] == UInt8(ascii: ".") else { return false }
    return UUID(uuidString: String(decoding: bytes[uuidStart..<uuidEnd], as: UTF8.self)) != nil
}

private func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

private func lastComponent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}
