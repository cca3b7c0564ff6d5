import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a document's bytes from a path: regular files, pipes and character devices alike.
public enum DocumentFile {
    /// The bytes at `path`: a regular file, a pipe or a character device such as `/dev/stdin`.
    /// - Throws: one ``DocumentIssue`` without a position: ``DocumentIssue/Code/unreadable``
    ///   (missing, a directory, not permitted) or ``DocumentIssue/Code/limit`` (over `limit`
    ///   bytes), with a plain reason.
    public static func bytes(atPath path: String, limit: Int) throws(DocumentError) -> [UInt8] {
        func failure(_ message: String, _ code: DocumentIssue.Code = .unreadable) -> DocumentError {
            DocumentError([DocumentIssue(code, file: path, position: nil, message: message)])
        }
        guard !path.isEmpty else { throw failure("no file name given") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(describe(errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure(describe(errno)) }
        if status.st_mode & S_IFMT == S_IFDIR { throw failure(describe(EISDIR)) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(describe(errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > limit { throw failure("is larger than \(limit) bytes", .limit) }
        }
        return bytes
    }

    /// A plain reason for a system error number, never a raw error dump.
    public static func describe(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "is a directory, not a file"
        case ENOTDIR: "a part of the path is not a directory"
        case ELOOP: "too many symbolic links"
        case ENAMETOOLONG: "the path is too long"
        case ENOSPC: "no space left on the device"
        case EROFS: "the file system is read-only"
        default: String(cString: strerror(code))
        }
    }
}
