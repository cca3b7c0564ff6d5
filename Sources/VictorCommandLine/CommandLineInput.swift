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

/// A `KEY=VALUE` argument, such as `--context env=prod`: the one argument type of every option
/// that takes key-value pairs.
///
/// The key is everything before the first `=`, normalized to NFC; it may not be empty nor hold a
/// control character (line breaks and tabs included) or another forbidden character
/// (``ExactText/isForbidden(_:)``). The value is everything after it, as given; it may be empty
/// and may hold line breaks, but no other forbidden character. Arguments reach this type as valid
/// UTF-8: ``RawArguments`` rejects the process's arguments that are not before parsing.
struct KeyValueArgument: ExpressibleByArgument, Sendable, Hashable {
    /// The key, NFC.
    let key: String
    /// The value's text, as given.
    let value: String

    /// Splits `argument` at its first `=`.
    /// - Throws: ``ArgumentError`` naming `option` and what is wrong: no `=`, an empty key, or a
    ///   forbidden character in the key or the value.
    init(parsing argument: String, option: String) throws(ArgumentError) {
        let shown = "\(option) \(ExactText.quotedForDisplay(argument))"
        guard let equals = argument.utf8.firstIndex(of: UInt8(ascii: "=")) else {
            throw ArgumentError("\(shown) is not KEY=VALUE: it has no '='")
        }
        guard equals != argument.utf8.startIndex else {
            throw ArgumentError("\(shown) is not KEY=VALUE: the key before '=' is empty")
        }
        let key = ExactText.normalized(String(decoding: argument.utf8[..<equals], as: UTF8.self))
        let value = String(decoding: argument.utf8[argument.utf8.index(after: equals)...], as: UTF8.self)
        if let (_, scalar) = ExactText.firstForbidden(in: key, allowLineBreaks: false) {
            throw ArgumentError(
                "\(option) \(ExactText.quotedForDisplay(key)): a key may not hold the character "
                    + ExactText.codePoint(scalar)
            )
        }
        if let (_, scalar) = ExactText.firstForbidden(in: value, allowLineBreaks: true) {
            throw ArgumentError(
                "\(option) \(ExactText.quotedForDisplay(key)): a value may not hold the character "
                    + ExactText.codePoint(scalar)
            )
        }
        self.key = key
        self.value = value
    }

    /// ArgumentParser's entry point; the options use ``parser(for:)``, whose errors say what is
    /// wrong.
    init?(argument: String) {
        guard let parsed = try? Self(parsing: argument, option: "KEY=VALUE") else { return nil }
        self = parsed
    }

    /// A transform for `@Option(transform:)` that parses the option's arguments and names the
    /// option in its errors.
    static func parser(for option: String) -> @Sendable (String) throws -> KeyValueArgument {
        { argument in
            do throws(ArgumentError) {
                return try KeyValueArgument(parsing: argument, option: option)
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    /// The pairs as a dictionary.
    /// - Throws: ``ArgumentError`` when a key is given twice (two spellings of one NFC key are one
    ///   key).
    static func dictionary(_ pairs: [KeyValueArgument], option: String) throws(ArgumentError) -> [String: String] {
        var values: [String: String] = [:]
        for pair in pairs {
            guard values[pair.key] == nil else {
                throw ArgumentError("\(option) \(ExactText.quotedForDisplay(pair.key)) is given twice")
            }
            values[pair.key] = pair.value
        }
        return values
    }
}

extension VictorCommand {
    /// Runs `victor` with its arguments given as bytes (without the program name), as the
    /// operating system passes them, and returns the exit code. An argument that is not valid
    /// UTF-8 is rejected with a message and exit code 2, never repaired.
    public static func runMain(rawArguments: [[UInt8]], output: CommandOutput = .processStreams) async -> Int32 {
        switch RawArguments.decode(rawArguments) {
        case .success(let arguments):
            return await runMain(arguments, output: output)
        case .failure(let error):
            output.errorLine("Error: \(error.message)")
            return CommandFailureKind.usage.exitCode
        }
    }
}

extension AttributeValue {
    /// The `--context` pairs of an authorization request, each value typed as YAML types
    /// `KEY: VALUE` (`True` a boolean, `12` an integer, `'12'` a string).
    /// - Throws: ``ArgumentError`` naming the key given twice or the value YAML would not read.
    static func context(_ pairs: [KeyValueArgument]) throws(ArgumentError) -> [String: AttributeValue] {
        _ = try KeyValueArgument.dictionary(pairs, option: "--context")
        var context: [String: AttributeValue] = [:]
        for pair in pairs {
            do {
                context[pair.key] = try AttributeValue(parsing: pair.value)
            } catch {
                throw ArgumentError("--context \(ExactText.quotedForDisplay(pair.key)): \(error.message)")
            }
        }
        return context
    }
}
