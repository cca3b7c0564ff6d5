import Foundation
import HTTPTypes
import Testing
import VictorAuthorization
import VictorRuntime
import VictorServer
import VictorTestSupport

@Suite struct ConfigurationRouteTests {
    let directories = TemporaryDirectories()

    static let replacement =
        #"{"users": {"carol": {"roles": ["reader"]}}, "roles": {"reader": {"permissions": [{"resource": "code", "action": "read"}]}}}"#

    @Test func getCarriesTheGenerationAsETag() async throws {
        try await withSampleServer(directories) { server, client, _ in
            let reply = try await client.get("/v1/authz/configuration")
            #expect(reply.status == 200)
            #expect(reply.headers[.eTag] == "\"\(server.runtime.authorizer.generation)\"")
            #expect(reply["users"]?["alice"] != nil)
        }
    }

    @Test func putNeedsIfMatchAndAnswersStaleTags() async throws {
        try await withSampleServer(directories) { server, client, root in
            let missing = try await client.put("/v1/authz/configuration", Self.replacement)
            #expect(missing.status == 428)
            #expect(missing.errorCode == "precondition_required")

            let stale = try await client.put(
                "/v1/authz/configuration",
                Self.replacement,
                headers: ["If-Match": "\"99\""]
            )
            #expect(stale.status == 412)
            #expect(stale.errorCode == "precondition_failed")

            let tag = try await client.get("/v1/authz/configuration").headers[.eTag] ?? ""
            let written = try await client.put("/v1/authz/configuration", Self.replacement, headers: ["If-Match": tag])
            #expect(written.status == 200)
            #expect(written.headers[.eTag] != tag)
            #expect(server.runtime.authorizer.check(user: "carol", resource: "code", action: "read").allowed)
            #expect(!server.runtime.authorizer.check(user: "alice", resource: "code", action: "read").allowed)
            // The file on disk holds the new configuration: a reload keeps it.
            let onDisk = try AuthorizationConfiguration.load(contentsOf: root + "/authz.yaml")
            #expect(onDisk.users.map(\.id).contains("carol"))

            let again = try await client.put("/v1/authz/configuration", Self.replacement, headers: ["If-Match": tag])
            #expect(again.status == 412)
        }
    }

    @Test func anInvalidDocumentIs422WithEveryProblemAndChangesNothing() async throws {
        try await withSampleServer(directories) { server, client, _ in
            let before = server.runtime.authorizer.generation
            let tag = "\"\(before)\""
            let invalid = """
                {"users": {"carol": {"roles": ["nobody"]}},
                 "policies": [{"name": "p", "effect": "sometimes", "resource": "code", "action": "read"}]}
                """
            let reply = try await client.put("/v1/authz/configuration", invalid, headers: ["If-Match": tag])
            #expect(reply.status == 422)
            #expect(reply.errorCode == "invalid_document")
            guard case .array(let issues)? = reply.json["error"]?["issues"] else {
                Issue.record("no issues in \(reply.text)")
                return
            }
            #expect(issues.count >= 2)
            #expect(issues.allSatisfy { $0["location"]?["line"] != nil })
            #expect(server.runtime.authorizer.generation == before)

            let badJSON = try await client.put("/v1/authz/configuration", "{users: 1}", headers: ["If-Match": tag])
            #expect(badJSON.status == 400)
            #expect(badJSON.errorCode == "invalid_json")
        }
    }

    @Test func ofTwoConcurrentWritersWithOneTagExactlyOneWins() async throws {
        try await withSampleServer(directories) { server, client, _ in
            let tag = try await client.get("/v1/authz/configuration").headers[.eTag] ?? ""
            let first = #"{"users": {"one": {"roles": []}}}"#
            let second = #"{"users": {"two": {"roles": []}}}"#
            async let a = client.put("/v1/authz/configuration", first, headers: ["If-Match": tag])
            async let b = client.put("/v1/authz/configuration", second, headers: ["If-Match": tag])
            let statuses = try await [a.status, b.status].sorted()
            #expect(statuses == [200, 412])
            let users = server.runtime.authorizer.configuration.users.map(\.id)
            #expect(users.contains("one") != users.contains("two"))
        }
    }

    @Test func reloadInstallsAValidFileAndKeepsRunningOnAnInvalidOne() async throws {
        try await withSampleServer(directories) { server, client, root in
            let before = server.runtime.authorizer.generation
            try "users:\n  dave: {roles: []}\n".write(toFile: root + "/authz.yaml", atomically: true, encoding: .utf8)
            let generation = try server.reloadAuthorization()
            #expect(generation == before + 1)
            #expect(server.runtime.authorizer.configuration.users.map(\.id).contains("dave"))

            try "users: [not, a, mapping\n".write(toFile: root + "/authz.yaml", atomically: true, encoding: .utf8)
            #expect(throws: ServerError.self) { try server.reloadAuthorization() }
            #expect(server.runtime.authorizer.generation == generation)
            #expect(server.runtime.authorizer.configuration.users.map(\.id).contains("dave"))

            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"victor_server_reloads_total{result="failed"} 1"#))
            #expect(metrics.contains(#"victor_server_reloads_total{result="succeeded"} 1"#))
        }
    }
}
