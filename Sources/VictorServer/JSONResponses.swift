import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VictorRuntime

/// Responses with JSON bodies.
enum JSONResponses {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` encoded as JSON.
    static func response(
        _ value: some Encodable,
        status: HTTPResponse.Status = .ok,
        headers: HTTPFields = [:]
    ) throws(ServerError) -> Response {
        let data: Data
        do {
            data = try encoder().encode(value)
        } catch {
            throw ServerError(.internal, "the response could not be encoded: \(error)")
        }
        return raw(Array(data), status: status, headers: headers)
    }

    /// Bytes that are JSON already.
    static func raw(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        raw(ByteBuffer(bytes: bytes), status: status, headers: headers)
    }

    /// A buffer that holds JSON already.
    static func raw(_ buffer: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// The error body: `{"error": {"code", "message", "location"?, "issues"?}}`.
    static func error(_ error: ServerError, requestID: String) -> Response {
        var body: [String: JSONValue] = [
            "code": .string(error.code.description),
            "message": .string(error.message),
        ]
        if let location = error.location { body["location"] = json(location) }
        if !error.issues.isEmpty {
            body["issues"] = .array(
                error.issues.map { issue in
                    var item: [String: JSONValue] = ["message": .string(issue.message)]
                    if let location = issue.location { item["location"] = json(location) }
                    return .object(item)
                }
            )
        }
        var headers: HTTPFields = [:]
        if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return raw(
            Array(JSONValue.object(["error": .object(body)]).canonicalJSON.utf8),
            status: error.code.status,
            headers: headers
        )
    }

    static func json(_ location: ServerError.Location) -> JSONValue {
        var value: [String: JSONValue] = [:]
        if let line = location.line { value["line"] = .integer(line) }
        if let column = location.column { value["column"] = .integer(column) }
        if let path = location.path { value["path"] = .string(path) }
        return .object(value)
    }
}
