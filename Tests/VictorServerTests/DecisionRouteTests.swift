import Foundation
import HTTPTypes
import Testing
import VictorRuntime
import VictorServer
import VictorTestSupport

@Suite struct DecisionRouteTests {
    let directories = TemporaryDirectories()

    @Test func checkAllowsAndDeniesWithTheDecisionRecord() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let allowed = try await client.post(
                "/v1/authz/check",
                #"{"user": "alice", "resource": "code", "action": "read"}"#
            )
            #expect(allowed.status == 200)
            #expect(allowed["allowed"] == .bool(true))
            #expect(allowed["reason"] != nil && allowed["message"] != nil && allowed["decidedBy"] != nil)
            #expect(allowed.headers[.init("X-Request-ID")!] != nil)

            let denied = try await client.post(
                "/v1/authz/check",
                #"{"user": "bob", "resource": "code", "action": "read", "context": {"env": "dev"}}"#
            )
            #expect(denied.status == 200)
            #expect(denied["allowed"] == .bool(false))
        }
    }

    @Test func batchDecidesEveryPairInOrder() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let reply = try await client.post(
                "/v1/authz/check-batch",
                """
                {"user": "alice", "requests": [
                  {"resource": "code", "action": "read"},
                  {"resource": "code", "action": "write"},
                  {"resource": "tools/shell", "action": "execute"}
                ]}
                """
            )
            #expect(reply.status == 200)
            guard case .array(let decisions)? = reply["decisions"] else {
                Issue.record("no decisions in \(reply.text)")
                return
            }
            #expect(decisions.map { $0["allowed"] } == [.bool(true), .bool(false), .bool(true)])
        }
    }

    @Test func batchRefusesMoreThanTheLimitAndABadItem() async throws {
        let extra = "\n  limits: {max_batch: 2}"
        try await withSampleServer(directories, extraServer: extra) { _, client, _ in
            let tooMany = try await client.post(
                "/v1/authz/check-batch",
                #"{"user": "alice", "requests": [{"resource": "a", "action": "b"}, {"resource": "a", "action": "b"}, {"resource": "a", "action": "b"}]}"#
            )
            #expect(tooMany.status == 400)
            #expect(tooMany.errorCode == "invalid_request")
            let badItem = try await client.post(
                "/v1/authz/check-batch",
                #"{"user": "alice", "requests": [{"resource": "a"}]}"#
            )
            #expect(badItem.status == 400)
            #expect(badItem.json["error"]?["location"]?["path"] == .string("requests[0].action"))
        }
    }

    @Test func explainListsTheSteps() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let reply = try await client.post(
                "/v1/authz/explain",
                #"{"user": "alice", "resource": "code", "action": "read"}"#
            )
            #expect(reply.status == 200)
            guard case .array(let steps)? = reply["steps"] else {
                Issue.record("no steps in \(reply.text)")
                return
            }
            #expect(!steps.isEmpty)
        }
    }

    @Test func badJSONIsA400WithItsPosition() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let reply = try await client.post("/v1/authz/check", "{\"user\": \"alice\",\n  \"resource\": code}")
            #expect(reply.status == 400)
            #expect(reply.errorCode == "invalid_json")
            #expect(reply.json["error"]?["location"]?["line"] == .integer(2))
            #expect(reply.json["error"]?["location"]?["column"] == .integer(15))

            let truncated = try await client.post("/v1/authz/check", #"{"user": "alice""#)
            #expect(truncated.status == 400)
            #expect(truncated.errorCode == "invalid_json")
            #expect(truncated.json["error"]?["location"]?["line"] != nil)

            let duplicate = try await client.post(
                "/v1/authz/check",
                #"{"user": "alice", "user": "bob", "resource": "code", "action": "read"}"#
            )
            #expect(duplicate.status == 400)
            #expect(duplicate.errorCode == "invalid_json")
        }
    }

    @Test func wrongShapesAreRefusedWithTheKey() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let missing = try await client.post("/v1/authz/check", #"{"user": "alice", "resource": "code"}"#)
            #expect(missing.status == 400)
            #expect(missing.errorCode == "invalid_request")
            #expect(missing.json["error"]?["location"]?["path"] == .string("action"))

            let unknown = try await client.post(
                "/v1/authz/check",
                #"{"user": "alice", "resource": "code", "action": "read", "extra": 1}"#
            )
            #expect(unknown.errorCode == "invalid_request")

            let notObject = try await client.post("/v1/authz/check", "[1, 2]")
            #expect(notObject.errorCode == "invalid_request")

            let objectContext = try await client.post(
                "/v1/authz/check",
                #"{"user": "alice", "resource": "code", "action": "read", "context": {"a": {"b": 1}}}"#
            )
            #expect(objectContext.errorCode == "invalid_request")
            #expect(objectContext.json["error"]?["location"]?["path"] == .string("context.a"))
        }
    }

    @Test func namesFollowTheExactNameRule() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let empty = try await client.post("/v1/authz/check", #"{"user": "", "resource": "code", "action": "read"}"#)
            #expect(empty.status == 400)
            #expect(empty.errorCode == "invalid_name")
            let control = try await client.post(
                "/v1/authz/check",
                #"{"user": "ali\u0007ce", "resource": "code", "action": "read"}"#
            )
            #expect(control.status == 400)
            // A forbidden character is refused by the reader or by the name rule, never decided.
            #expect(control.errorCode == "invalid_name" || control.errorCode == "invalid_json")
            // An invisible character would make the name look like another: refused, never decided.
            for invisible in ["\\u200b", "\\u00ad", "\\u202e"] {
                let reply = try await client.post(
                    "/v1/authz/check",
                    #"{"user": "alice", "resource": "co"# + invisible + #"de", "action": "read"}"#
                )
                #expect(reply.status == 400, "\(reply.text)")
                #expect(reply.errorCode == "invalid_name")
                #expect(reply.json["error"]?["location"]?["path"] == .string("resource"))
            }
            // A name in another normalization form is the same name.
            let decomposed = try await client.post(
                "/v1/authz/check",
                "{\"user\": \"alice\", \"resource\": \"code\", \"action\": \"read\", \"context\": {\"cafe\\u0301\": 1}}"
            )
            #expect(decomposed.status == 200)
        }
    }

    @Test func bodiesAreBoundedInSizeAndDepth() async throws {
        let extra = "\n  limits: {max_body_bytes: 256, max_depth: 4}"
        try await withSampleServer(directories, extraServer: extra) { _, client, _ in
            let large = try await client.post(
                "/v1/authz/check",
                #"{"user": "alice", "resource": "code", "action": "read", "context": {"pad": ""#
                    + String(repeating: "x", count: 400) + "\"}}"
            )
            #expect(large.status == 413)
            #expect(large.errorCode == "body_too_large")

            let deep = try await client.post(
                "/v1/authz/check",
                #"{"user": "alice", "resource": "code", "action": "read", "context": {"a": [[[[1]]]]}}"#
            )
            #expect(deep.status == 400)
            #expect(deep.errorCode == "too_deep")
            #expect(deep.json["error"]?["location"]?["line"] == .integer(1))

            // The server is still serving.
            let fine = try await client.post(
                "/v1/authz/check",
                #"{"user": "alice", "resource": "code", "action": "read"}"#
            )
            #expect(fine.status == 200)
        }
    }

    @Test func unknownRoutesAnswerTheJSONErrorShape() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let reply = try await client.get("/v1/nothing-here")
            #expect(reply.status == 404)
            #expect(reply.errorCode == "not_found")
        }
    }
}
