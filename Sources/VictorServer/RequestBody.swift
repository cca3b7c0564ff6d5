import HTTPTypes
import Hummingbird
import NIOCore
import VictorDocuments
import VictorRuntime

/// Reads request bodies through the same strict rules as files: bounded in size and depth,
/// then read by the document reader as JSON (UTF-8 only, no duplicate keys, exact numbers), every
/// failure answered with its position.
struct RequestBodyReader: Sendable {
    let limits: ServerConfiguration.Limits
    static let source = "request body"

    /// The body's bytes, at most ``ServerConfiguration/Limits/maxBodyBytes``.
    func bytes(_ request: Request) async throws(ServerError) -> [UInt8] {
        let limit = limits.maxBodyBytes
        if let length = request.headers.value(.contentLength).flatMap({ Int($0) }), length > limit {
            throw ServerError(.bodyTooLarge, "the body is \(length) bytes; at most \(limit) are accepted")
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ServerError(.bodyTooLarge, "the body is larger than \(limit) bytes")
        } catch {
            throw ServerError(.invalidRequest, "the body could not be read: \(error)")
        }
    }

    /// The body read as a JSON object's members.
    func fields(_ request: Request, allowed: AllowedKeys) async throws(ServerError) -> RequestFields {
        try RequestFields(try Self.tape(try await bytes(request), maxDepth: limits.maxDepth), allowed: allowed)
    }

    /// Reads `bytes` as strict JSON nesting at most `maxDepth` levels.
    static func json(_ bytes: [UInt8], maxDepth: Int) throws(ServerError) -> JSONValue {
        JSONValue(tape: try tape(bytes, maxDepth: maxDepth), entry: 0)
    }

    /// Reads `bytes` as strict JSON nesting at most `maxDepth` levels, onto the reader's tape.
    static func tape(_ bytes: [UInt8], maxDepth: Int) throws(ServerError) -> JSONTape {
        let tape: JSONTape
        do {
            tape = try JSONValue.tape(bytes: bytes, source: source)
        } catch {
            // Depth is answered first, wherever the body also fails to read.
            if let deep = deeperThan(maxDepth, bytes) { throw tooDeep(maxDepth, at: deep) }
            throw invalidJSON(error)
        }
        // A body that reads is scanned for where it nests too deep only when it does.
        if tape.containerDepth > maxDepth { throw tooDeep(maxDepth, at: deeperThan(maxDepth, bytes)) }
        return tape
    }

    /// The error for a body nesting deeper than `maxDepth`, at the first bracket that does.
    static func tooDeep(_ maxDepth: Int, at position: (line: Int, column: Int)?) -> ServerError {
        ServerError(
            .tooDeep,
            "the body nests deeper than \(maxDepth) levels",
            location: position.map { ServerError.Location(line: $0.line, column: $0.column) }
        )
    }

    /// A JSON error of the runtime's reader as a located server error: the first problem's
    /// position, and every problem in the message.
    static func invalidJSON(_ error: RuntimeError) -> ServerError {
        if let document = error.cause as? DocumentError, let first = document.issues.first {
            return ServerError(
                .invalidJSON,
                document.issues.map(\.message).joined(separator: "; "),
                location: ServerError.Location(
                    line: first.position?.line,
                    column: first.position?.column,
                    path: first.keyPath.isEmpty ? nil : first.keyPath
                )
            )
        }
        // `request body:LINE:COLUMN: message`, as the token check and the value reader write it.
        let (location, message) = located(error.message)
        return ServerError(.invalidJSON, message, location: location)
    }

    /// Splits `request body:LINE:COLUMN: rest` into a location and the rest.
    static func located(_ message: String) -> (ServerError.Location?, String) {
        let prefix = source + ":"
        guard message.hasPrefix(prefix) else { return (nil, message) }
        let parts = message.dropFirst(prefix.count).split(separator: ":", maxSplits: 2)
        guard parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) else { return (nil, message) }
        var rest = Substring(parts[2])
        while rest.first == " " { rest = rest.dropFirst() }
        return (ServerError.Location(line: line, column: column), String(rest))
    }

    /// The position of the first bracket opening a level deeper than `limit`, outside strings.
    /// Lines end where the JSON reader ends them, at CR LF, CR or LF, wherever these stand.
    static func deeperThan(_ limit: Int, _ bytes: [UInt8]) -> (line: Int, column: Int)? {
        // Without bounds checks: this scan reads every byte of every body.
        bytes.withUnsafeBufferPointer { deeperThan(limit, $0) }
    }

    private static func deeperThan(_ limit: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int)? {
        var depth = 0
        var line = 1
        var lineStart = 0
        var inString = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if byte == UInt8(ascii: "\r"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                }
                line += 1
                index += 1
                lineStart = index
                continue
            }
            if inString {
                if byte == UInt8(ascii: "\\") {
                    // An escaped line break is not JSON, but still ends a line.
                    let next = index + 1 < bytes.count ? bytes[index + 1] : 0
                    index += next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r") ? 1 : 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    if depth > limit {
                        let column =
                            String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<index]), as: UTF8.self)
                            .unicodeScalars.count + 1
                        return (line, column)
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
            }
            index += 1
        }
        return nil
    }
}
