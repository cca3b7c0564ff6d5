import Foundation
import VictorDocuments
import VictorFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file the command line could not read or write: the path and a plain reason, never a
/// Foundation error dump.
struct CommandFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String

    /// `PATH: reason`, with the path escaped so that it cannot forge a line.
    var description: String { "\(displayText(path)): \(reason)" }
}

/// Reading inputs and writing outputs of the `victor` commands with POSIX calls, so that pipes,
/// devices and `/dev/stdin` read like files and every failure has a plain reason.
enum CommandFiles {
    /// The largest input read: the document reader's default bound.
    static let maximumInputBytes = DocumentLimits.default.maxBytes

    /// The bytes of a regular file, a pipe or a character device such as `/dev/stdin`.
    static func read(_ path: String) throws(CommandFileError) -> [UInt8] {
        do {
            return try DocumentFile.bytes(atPath: path, limit: maximumInputBytes)
        } catch {
            throw CommandFileError(path: path, reason: error.issues.first?.message ?? "cannot be read")
        }
    }

    /// The text of a file, which must be UTF-8.
    static func readText(_ path: String) throws(CommandFileError) -> String {
        let bytes = try read(path)
        if let offset = ExactText.firstInvalidUTF8(bytes) {
            throw CommandFileError(path: path, reason: "is not UTF-8 text (invalid byte at offset \(offset))")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Checks, before any work is done, that `path` can be written: not empty, not a directory,
    /// and writable where it is (an existing file or device), or creatable in an existing,
    /// writable directory.
    static func checkWritable(_ path: String) throws(CommandFileError) {
        guard !path.isEmpty else { throw CommandFileError(path: path, reason: "no file name given") }
        var status = stat()
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR {
                throw CommandFileError(path: path, reason: "is a directory, not a file")
            }
            guard access(path, W_OK) == 0 else { throw CommandFileError(path: path, reason: describe(errno)) }
            return
        }
        guard errno == ENOENT else { throw CommandFileError(path: path, reason: describe(errno)) }
        let directory = parentDirectory(of: path)
        guard stat(directory, &status) == 0 else {
            throw CommandFileError(path: path, reason: "its directory \(displayText(directory)) does not exist")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw CommandFileError(path: path, reason: "\(displayText(directory)) is not a directory")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw CommandFileError(
                path: path,
                reason: "cannot create a file in \(displayText(directory)): \(describe(errno))"
            )
        }
    }

    /// Writes `text` to `path`: a regular file (or a new one) is replaced atomically through a
    /// temporary file beside it; a device or pipe such as `/dev/stdout` is written directly.
    static func write(_ text: String, to path: String) throws(CommandFileError) {
        try checkWritable(path)
        var status = stat()
        let isSpecial = stat(path, &status) == 0 && status.st_mode & S_IFMT != S_IFREG
        let target =
            isSpecial ? path : "\(parentDirectory(of: path))/.\(lastComponent(of: path)).\(UUID().uuidString).tmp"
        let flags = isSpecial ? O_WRONLY | O_CLOEXEC : O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
        let descriptor = open(target, flags, 0o644)
        guard descriptor >= 0 else { throw CommandFileError(path: path, reason: describe(errno)) }
        var failure: String?
        let error = writeAll(Array(text.utf8), to: descriptor)
        if error != 0 { failure = describe(error) }
        if failure == nil, !isSpecial, fsync(descriptor) != 0 { failure = describe(errno) }
        close(descriptor)
        if !isSpecial {
            if failure == nil, rename(target, path) != 0 { failure = describe(errno) }
            if failure != nil { unlink(target) }
        }
        if let failure { throw CommandFileError(path: path, reason: failure) }
    }

    /// A plain reason for a system error number.
    static func describe(_ code: Int32) -> String { DocumentFile.describe(code) }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// `text` as it is when every scalar is printable and it does not start with a quote; quoted and
/// escaped (``ExactText/quotedForDisplay(_:)``) otherwise, so that no name, path or value can
/// forge a line of output or hide in it.
func displayText(_ text: String) -> String {
    if text.first == "'" { return ExactText.quotedForDisplay(text) }
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 || ExactText.isForbidden(scalar) || scalar.properties.generalCategory == .format {
            return ExactText.quotedForDisplay(text)
        }
    }
    return text
}

/// A message with every control, separator, format character and noncharacter escaped, so that
/// it prints as one line whatever it quotes.
func singleLine(_ message: String) -> String {
    var result = ""
    for scalar in message.unicodeScalars {
        if scalar.value < 0x20 || ExactText.isForbidden(scalar) || scalar.properties.generalCategory == .format {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}
