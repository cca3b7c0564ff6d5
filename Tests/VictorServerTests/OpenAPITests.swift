import Foundation
import HTTPTypes
import Testing
import VictorDocuments
import VictorRuntime
import VictorServer
import VictorTestSupport

/// `openapi.yaml` at the repository root describes every route the server answers, every
/// status it answers them with, and the top-level keys of every JSON body.
@Suite struct OpenAPITests {
    let directories = TemporaryDirectories()

    /// The document, read by the strict reader and converted to JSON values.
    static func document() throws -> JSONValue {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let path = root.appendingPathComponent("openapi.yaml").path
        let node = try #require(try DocumentReader().read(contentsOf: path))
        return try convert(node)
    }

    static func convert(_ node: DocumentNode) throws -> JSONValue {
        switch node.content {
        case .scalar(.string(let text)): return .string(text)
        case .scalar(.integer(let value)): return .integer(value)
        case .scalar(.float(let value)): return .number(value)
        case .scalar(.boolean(let value)): return .bool(value)
        case .scalar(.null): return .null
        case .sequence(let items): return .array(try items.map(convert))
        case .mapping(let entries):
            var members: [String: JSONValue] = [:]
            for entry in entries { members[entry.key] = try convert(entry.value) }
            return .object(members)
        }
    }

    static let methods = ["get", "put", "post", "delete", "patch"]

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        let document = try Self.document()
        guard case .object(let paths)? = document["paths"] else {
            Issue.record("openapi.yaml has no paths")
            return
        }
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in Self.methods where item[method] != nil { documented.insert("\(method.uppercased()) \(path)") }
        }
        let served = Set(VictorServer.routeList.map { "\($0.method.rawValue) \($0.path)" })
        #expect(served.subtracting(documented).isEmpty, "served but not documented")
        #expect(documented.subtracting(served).isEmpty, "documented but not served")
    }

    /// The schema a response of `method path` with `status` has, `$ref`s resolved; `nil` when
    /// the status is not documented.
    static func schema(_ document: JSONValue, _ method: String, _ path: String, _ status: Int) -> JSONValue?? {
        guard var response = document["paths"]?[path]?[method.lowercased()]?["responses"]?[String(status)] else {
            return nil
        }
        response = resolve(document, response)
        guard let schema = response["content"]?["application/json"]?["schema"] else { return .some(nil) }
        return .some(resolve(document, schema))
    }

    static func resolve(_ document: JSONValue, _ value: JSONValue) -> JSONValue {
        guard case .string(let reference)? = value["$ref"] else { return value }
        var target = document
        for part in reference.dropFirst(2).split(separator: "/") { target = target[String(part)] ?? .null }
        return resolve(document, target)
    }

    /// Problems of `body` against `schema`'s top level: a required key missing, a key not listed.
    static func problems(_ body: JSONValue, _ schema: JSONValue) -> [String] {
        guard case .object(let members) = body else { return ["the body is not an object"] }
        var problems: [String] = []
        if case .array(let required)? = schema["required"] {
            for case .string(let key) in required where members[key] == nil { problems.append("missing \(key)") }
        }
        if case .object(let properties)? = schema["properties"] {
            for key in members.keys where properties[key] == nil { problems.append("undocumented key \(key)") }
        }
        return problems
    }

    @Test func responsesMatchTheDocument() async throws {
        let document = try Self.document()
        try await withSampleServer(directories) { _, client, _ in
            var exchanges: [(String, String, Reply)] = []
            func send(
                _ method: String,
                _ template: String,
                _ path: String,
                _ body: String? = nil,
                _ headers: [String: String] = [:]
            ) async throws {
                let reply = try await client.send(.init(method)!, path, body, headers: headers)
                exchanges.append((method, template, reply))
            }
            let check = #"{"user": "alice", "resource": "code", "action": "read"}"#
            try await send("GET", "/health/live", "/health/live")
            try await send("GET", "/health/ready", "/health/ready")
            try await send("POST", "/v1/authz/check", "/v1/authz/check", check)
            try await send("POST", "/v1/authz/check", "/v1/authz/check", "{bad")
            try await send(
                "POST",
                "/v1/authz/check-batch",
                "/v1/authz/check-batch",
                #"{"user": "alice", "requests": [{"resource": "code", "action": "read"}]}"#
            )
            try await send("POST", "/v1/authz/explain", "/v1/authz/explain", check)
            try await send("GET", "/v1/authz/configuration", "/v1/authz/configuration")
            try await send("PUT", "/v1/authz/configuration", "/v1/authz/configuration", "{}")
            try await send("PUT", "/v1/authz/configuration", "/v1/authz/configuration", "{}", ["If-Match": "\"1\""])
            try await send(
                "PUT",
                "/v1/authz/configuration",
                "/v1/authz/configuration",
                #"{"roles": 1}"#,
                ["If-Match": "\"2\""]
            )
            let opened = try await client.post("/v1/sessions", #"{"user": "alice", "persona": "code_reviewer"}"#)
            exchanges.append(("POST", "/v1/sessions", opened))
            guard case .string(let id)? = opened["session"] else {
                Issue.record("no session: \(opened.text)")
                return
            }
            try await send("GET", "/v1/sessions/{id}/tools", "/v1/sessions/\(id)/tools")
            try await send("GET", "/v1/sessions/{id}/tools", "/v1/sessions/unknown/tools")
            try await send(
                "POST",
                "/v1/sessions/{id}/authorize",
                "/v1/sessions/\(id)/authorize",
                #"{"tool": "shell", "call_id": "c"}"#
            )
            try await send(
                "POST",
                "/v1/sessions/{id}/outcomes",
                "/v1/sessions/\(id)/outcomes",
                #"{"call_id": "c", "outcome": "succeeded"}"#
            )
            try await send("GET", "/v1/personas", "/v1/personas")
            try await send("GET", "/v1/personas/{id}", "/v1/personas/code_reviewer")
            try await send("GET", "/v1/personas/{id}/history", "/v1/personas/code_reviewer/history")
            try await send("POST", "/v1/personas/{id}/adapt", "/v1/personas/code_reviewer/adapt", "{}")
            try await send("POST", "/v1/personas/{id}/prompt", "/v1/personas/code_reviewer/prompt", "{}")
            try await send("POST", "/v1/personas/suggest", "/v1/personas/suggest", #"{"task": "debug a crash"}"#)
            try await send(
                "POST",
                "/v1/personas/merge",
                "/v1/personas/merge",
                #"{"ids": ["code_reviewer", "debugger"], "name": "Both"}"#
            )
            let persona = try await client.get("/v1/personas/code_reviewer").text.replacingOccurrences(
                of: "\"code_reviewer\"",
                with: "\"copy\""
            )
            try await send("PUT", "/v1/personas/{id}", "/v1/personas/copy", persona)
            // An id that breaks the name rule (a control character) is a 400 on every route that
            // takes one.
            for (method, path) in [
                ("GET", "/v1/sessions/{id}/tools"), ("POST", "/v1/sessions/{id}/authorize"),
                ("POST", "/v1/sessions/{id}/outcomes"), ("GET", "/v1/personas/{id}"),
                ("GET", "/v1/personas/{id}/history"), ("POST", "/v1/personas/{id}/adapt"),
                ("POST", "/v1/personas/{id}/prompt"),
            ] {
                try await send(method, path, path.replacingOccurrences(of: "{id}", with: "bad%1Cid"), "{}")
                #expect(exchanges.last?.2.status == 400, "\(method) \(path) with a control character in the id")
            }
            try await send("GET", "/metrics", "/metrics")

            for (method, template, reply) in exchanges {
                let name = "\(method) \(template) → \(reply.status)"
                guard let schema = Self.schema(document, method, template, reply.status) else {
                    Issue.record("\(name): the status is not documented (\(reply.text))")
                    continue
                }
                guard let schema else { continue }
                let problems = Self.problems(reply.json, schema)
                #expect(problems.isEmpty, "\(name): \(problems) in \(reply.text)")
            }
        }
    }
}
