import ArgumentParser
import Foundation
import VictorAuthorization
import VictorDocuments

/// The process's arguments as the operating system passes them: bytes. Swift's
/// `CommandLine.arguments` repairs invalid UTF-8 into U+FFFD, which would make `$'\xff'` and
/// `$'\xc3'` one name; Victor rejects such an argument instead.
enum RawArguments {
    /// The process's arguments after the program name, as bytes.
    static func process() -> [[UInt8]] {
        (1..<Int(CommandLine.argc)).map { index in
            guard let argument = CommandLine.unsafeArgv[index] else { return [] }
            return Array(
                UnsafeBufferPointer(
                    start: UnsafeRawPointer(argument).assumingMemoryBound(to: UInt8.self),
                    count: strlen(argument)
                )
            )
        }
    }

    /// The arguments decoded as UTF-8, or a message naming the first that is not valid UTF-8.
    static func decode(_ arguments: [[UInt8]]) -> Result<[String], ArgumentError> {
        var decoded: [String] = []
        decoded.reserveCapacity(arguments.count)
        for (index, bytes) in arguments.enumerated() {
            switch ExactText.decode(bytes) {
            case .success(let text): decoded.append(text)
            case .failure(let invalid):
                return .failure(
                    ArgumentError(
                        "argument \(index + 1) (\(shown(bytes))) is not valid UTF-8: the byte at offset "
                            + "\(invalid.offset) starts no valid sequence; names are compared exactly and are "
                            + "never repaired"
                    )
                )
            }
        }
        return .success(decoded)
    }

    /// `bytes` quoted, valid UTF-8 runs as text (escaped for display) and other bytes as `\xNN`;
    /// at most the first 64 bytes, so that a huge argument makes a short message.
    static func shown(_ bytes: [UInt8]) -> String {
        guard bytes.count <= 64 else { return shown(Array(bytes.prefix(64))) + "…" }
        var result = ""
        var start = 0
        while start < bytes.count {
            let rest = Array(bytes[start...])
            guard let bad = ExactText.firstInvalidUTF8(rest) else {
                result += String(
                    ExactText.quotedForDisplay(String(decoding: rest, as: UTF8.self)).dropFirst().dropLast()
                )
                break
            }
            if bad > 0 {
                let valid = String(decoding: rest[..<bad], as: UTF8.self)
                result += String(ExactText.quotedForDisplay(valid).dropFirst().dropLast())
            }
            result += "\\x" + String(rest[bad], radix: 16, uppercase: true).leftPadded(to: 2)
            start += bad + 1
        }
        return "'" + result + "'"
    }
}

/// An argument the command line cannot take, with a message for standard error.
struct ArgumentError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

extension VictorCommand {
    /// Runs `victor` with its arguments given as bytes (without the program name), as the
    /// operating system passes them, and returns the exit code. An argument that is not valid
    /// UTF-8 is rejected with a message and exit code 2, never repaired.
    public static func runMain(rawArguments: [[UInt8]]) async -> Int32 {
        switch RawArguments.decode(rawArguments) {
        case .success(let arguments):
            return await runMain(arguments)
        case .failure(let error):
            printError("Error: \(error.message)")
            return 2
        }
    }
}

/// `--context KEY=VALUE` entries, typed as YAML types the same `KEY: VALUE`.
enum ContextArguments {
    /// The entries as a request context.
    /// - Throws: `ValidationError` naming the entry and what is wrong with it.
    static func parse(_ entries: [String]) throws -> [String: AttributeValue] {
        var context: [String: AttributeValue] = [:]
        for entry in entries {
            guard let equals = entry.utf8.firstIndex(of: UInt8(ascii: "=")), equals != entry.utf8.startIndex else {
                throw ValidationError("--context \(ExactText.quotedForDisplay(entry)) is not KEY=VALUE")
            }
            let key = ExactText.normalized(String(decoding: entry.utf8[..<equals], as: UTF8.self))
            let text = String(decoding: entry.utf8[entry.utf8.index(after: equals)...], as: UTF8.self)
            if let (_, scalar) = ExactText.firstForbidden(in: key, allowLineBreaks: false) {
                throw ValidationError(
                    "--context \(ExactText.quotedForDisplay(key)): a key may not hold the character "
                        + ExactText.codePoint(scalar)
                )
            }
            // Dictionary keys are distinct up to canonical equivalence: two spellings collide here.
            guard context[key] == nil else {
                throw ValidationError("--context \(ExactText.quotedForDisplay(key)) is given twice")
            }
            do {
                context[key] = try AttributeValue(parsing: text)
            } catch {
                throw ValidationError("--context \(ExactText.quotedForDisplay(key)): \(error.message)")
            }
        }
        return context
    }
}

/// Reads a text file for a command: regular files, pipes and devices; a plain message when it
/// cannot (no such file, a directory, not UTF-8), never a system error dump.
enum TextFile {
    static func read(_ path: String) -> Result<String, ArgumentError> {
        let name = ExactText.quotedForDisplay(path)
        var isDirectory: ObjCBool = false
        guard !path.isEmpty else { return .failure(ArgumentError("no file name given")) }
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(ArgumentError("cannot read \(name): no such file"))
        }
        if isDirectory.boolValue {
            return .failure(ArgumentError("cannot read \(name): it is a directory, not a file"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(ArgumentError("cannot read \(name): permission denied"))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            return .failure(ArgumentError("cannot read \(name): the read failed"))
        }
        switch ExactText.decode(data) {
        case .success(let text): return .success(text)
        case .failure(let invalid):
            return .failure(ArgumentError("cannot read \(name): not valid UTF-8 (byte offset \(invalid.offset))"))
        }
    }
}
