import Foundation
import HTTPTypes
import Testing
import VictorRuntime
import VictorServer
import VictorTestSupport

@Suite struct PersonaRouteTests {
    let directories = TemporaryDirectories()

    /// The built-in code reviewer as a document for the persona `id`.
    func document(_ client: Client, id: String, name: String = "My Reviewer") async throws -> String {
        let reply = try await client.get("/v1/personas/code_reviewer")
        #expect(reply.status == 200)
        guard case .object(var members) = reply.json else { return "" }
        members["id"] = .string(id)
        members["name"] = .string(name)
        return JSONValue.object(members).canonicalJSON
    }

    @Test func listGetAndHistory() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let list = try await client.get("/v1/personas")
            #expect(list.status == 200)
            guard case .array(let personas)? = list["personas"] else {
                Issue.record("no personas in \(list.text)")
                return
            }
            #expect(personas.contains { $0["id"] == .string("code_reviewer") })

            let one = try await client.get("/v1/personas/code_reviewer")
            #expect(one["id"] == .string("code_reviewer"))
            #expect(one.headers[.eTag] == "\"1\"")
            #expect(try await client.get("/v1/personas/nobody").status == 404)
            #expect(try await client.get("/v1/personas/code_reviewer?version=0").status == 400)
        }
    }

    @Test func putCreatesThenUpdatesUnderIfMatch() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let body = try await document(client, id: "mine")
            let created = try await client.put("/v1/personas/mine", body)
            #expect(created.status == 201)
            let tag = created.headers[.eTag] ?? ""

            let missing = try await client.put("/v1/personas/mine", body)
            #expect(missing.status == 428)
            let updated = try await client.put("/v1/personas/mine", body, headers: ["If-Match": tag])
            #expect(updated.status == 200)
            #expect(updated.headers[.eTag] != tag)
            let stale = try await client.put("/v1/personas/mine", body, headers: ["If-Match": tag])
            #expect(stale.status == 412)

            let history = try await client.get("/v1/personas/mine/history")
            guard case .array(let versions)? = history["versions"] else {
                Issue.record("no versions in \(history.text)")
                return
            }
            #expect(versions.count == 2)
            let first = try await client.get("/v1/personas/mine?version=1")
            #expect(first.status == 200)
            #expect(first["version"] == .integer(1))

            let mismatch = try await client.put("/v1/personas/other", body)
            #expect(mismatch.status == 422)
            let invalid = try await client.put(
                "/v1/personas/mine",
                #"{"id": "mine", "personality": "grumpy"}"#,
                headers: ["If-Match": "*"]
            )
            #expect(invalid.status == 422 || invalid.status == 400)
        }
    }

    @Test func ofTwoConcurrentPersonaWritersExactlyOneWins() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let body = try await document(client, id: "shared")
            let tag = try await client.put("/v1/personas/shared", body).headers[.eTag] ?? ""
            let one = try await document(client, id: "shared", name: "One")
            let two = try await document(client, id: "shared", name: "Two")
            async let a = client.put("/v1/personas/shared", one, headers: ["If-Match": tag])
            async let b = client.put("/v1/personas/shared", two, headers: ["If-Match": tag])
            let statuses = try await [a.status, b.status].sorted()
            #expect(statuses == [200, 409] || statuses == [200, 412])
        }
    }

    @Test func adaptMergeSuggestAndPrompt() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let adapted = try await client.post(
                "/v1/personas/code_reviewer/adapt",
                #"{"context": {"urgency": "high"}}"#
            )
            #expect(adapted.status == 200)
            #expect(adapted["id"] == .string("code_reviewer"))

            let prompt = try await client.post("/v1/personas/code_reviewer/prompt", #"{"context": {}}"#)
            #expect(prompt.status == 200)
            if case .string(let text)? = prompt["prompt"] {
                #expect(!text.isEmpty)
            } else {
                Issue.record("no prompt in \(prompt.text)")
            }

            let suggestions = try await client.post(
                "/v1/personas/suggest",
                #"{"task": "review this pull request", "limit": 2}"#
            )
            #expect(suggestions.status == 200)
            #expect(suggestions["suggestions"] != nil)

            let merged = try await client.post(
                "/v1/personas/merge",
                #"{"ids": ["code_reviewer", "debugger"], "name": "Review and Debug", "id": "review_debug"}"#
            )
            #expect(merged.status == 201)
            #expect(merged["id"] == .string("review_debug"))
            let again = try await client.post(
                "/v1/personas/merge",
                #"{"ids": ["code_reviewer", "debugger"], "name": "Review and Debug", "id": "review_debug"}"#
            )
            #expect(again.status == 409)
            let badContext = try await client.post("/v1/personas/code_reviewer/adapt", #"{"context": {"urgency": 3}}"#)
            #expect(badContext.status == 400)
        }
    }
}
