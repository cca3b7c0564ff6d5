import Foundation
import HTTPTypes
import Synchronization
import Testing
import VictorRuntime
import VictorServer
import VictorTestSupport

@Suite struct SessionRouteTests {
    let directories = TemporaryDirectories()

    func open(_ client: Client, user: String = "alice", persona: String = "code_reviewer") async throws -> String {
        let reply = try await client.post(
            "/v1/sessions",
            #"{"user": "\#(user)", "persona": "\#(persona)", "context": {"env": "dev"}}"#
        )
        #expect(reply.status == 201)
        guard case .string(let id)? = reply["session"] else {
            Issue.record("no session id in \(reply.text)")
            return ""
        }
        #expect(reply.headers[.location] == "/v1/sessions/\(id)")
        return id
    }

    @Test func aSessionListsItsToolsAndDecidesCalls() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let id = try await open(client)
            let tools = try await client.get("/v1/sessions/\(id)/tools")
            #expect(tools.status == 200)
            guard case .array(let list)? = tools["tools"] else {
                Issue.record("no tools in \(tools.text)")
                return
            }
            #expect(list.compactMap { $0["name"] }.contains(.string("read_file")))

            let allowed = try await client.post(
                "/v1/sessions/\(id)/authorize",
                #"{"tool": "read_file", "arguments": {"path": "README.md"}, "call_id": "c1"}"#
            )
            #expect(allowed.status == 200)
            #expect(allowed["verdict"] == .string("allowed"))
            #expect(allowed["call_id"] == .string("c1"))
            #expect(allowed["step"] == .string("policy"))
            #expect(allowed.json["remaining_calls"] != nil)

            let denied = try await client.post(
                "/v1/sessions/\(id)/authorize",
                #"{"tool": "read_file", "arguments": {"path": "/secret/key"}, "explain": true}"#
            )
            #expect(denied["verdict"] == .string("denied"))
            #expect(denied["policy"] == .string("no-secrets"))
            guard case .array(let steps)? = denied["steps"] else {
                Issue.record("no steps in \(denied.text)")
                return
            }
            #expect(!steps.isEmpty)

            let approval = try await client.post("/v1/sessions/\(id)/authorize", #"{"tool": "deploy"}"#)
            #expect(approval["verdict"] == .string("approval_required"))

            let schema = try await client.post(
                "/v1/sessions/\(id)/authorize",
                #"{"tool": "read_file", "arguments": {}}"#
            )
            #expect(schema["verdict"] == .string("denied"))
            #expect(schema["step"] == .string("schema"))
        }
    }

    @Test func outcomesOfAllowedCallsGoToTheAuditTrail() async throws {
        let root = try await withSampleServer(directories) { _, client, root in
            let id = try await open(client)
            _ = try await client.post(
                "/v1/sessions/\(id)/authorize",
                #"{"tool": "read_file", "arguments": {"path": "a"}, "call_id": "call-7"}"#
            )
            let recorded = try await client.post(
                "/v1/sessions/\(id)/outcomes",
                #"{"call_id": "call-7", "outcome": "failed", "error": "disk full", "duration_ms": 12}"#
            )
            #expect(recorded.status == 202)
            let twice = try await client.post(
                "/v1/sessions/\(id)/outcomes",
                #"{"call_id": "call-7", "outcome": "succeeded"}"#
            )
            #expect(twice.status == 404)
            let badOutcome = try await client.post(
                "/v1/sessions/\(id)/outcomes",
                #"{"call_id": "x", "outcome": "exploded"}"#
            )
            #expect(badOutcome.status == 400)
            return root
        }
        // The server has shut down: the audit file is flushed and closed.
        let (records, problems) = try AuditLog.read(contentsOf: root + "/audit.jsonl")
        #expect(problems.isEmpty)
        let outcome = records.first { $0.event == .outcome }
        #expect(outcome?.callID == "call-7")
        #expect(outcome?.outcome == .failed)
        #expect(outcome?.error == "disk full")
        #expect(outcome?.durationNanoseconds == 12_000_000)
        #expect(records.contains { $0.event == .decision && $0.callID == "call-7" })
    }

    /// An allowed call's receipt records its outcome where the decision is not remembered (here
    /// `max_pending_outcomes: 0`; with a shared store, another instance); a receipt altered, or
    /// for another call or session, is refused.
    @Test func aReceiptRecordsTheOutcomeOfACallNotRemembered() async throws {
        let extra = "\n  sessions: {max_pending_outcomes: 0}"
        let root = try await withSampleServer(directories, extraServer: extra) { _, client, root in
            let id = try await open(client)
            let other = try await open(client)
            let allowed = try await client.post(
                "/v1/sessions/\(id)/authorize",
                #"{"tool": "read_file", "arguments": {"path": "a"}, "call_id": "call-8"}"#
            )
            guard case .string(let receipt)? = allowed["receipt"] else {
                Issue.record("no receipt in \(allowed.text)")
                return root
            }
            let denied = try await client.post(
                "/v1/sessions/\(id)/authorize",
                #"{"tool": "read_file", "arguments": {"path": "/secret/key"}}"#
            )
            #expect(denied["verdict"] == .string("denied") && denied.json["receipt"] == nil)

            let path = "/v1/sessions/\(id)/outcomes"
            let without = try await client.post(path, #"{"call_id": "call-8", "outcome": "succeeded"}"#)
            #expect(without.status == 404 && without.text.contains("receipt"))
            // One character of the payload changed: the seal no longer verifies.
            var altered = Array(receipt.utf8)
            altered[3] = altered[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            for (body, why) in [
                (
                    #"{"call_id": "call-8", "outcome": "succeeded", "receipt": "\#(String(decoding: altered, as: UTF8.self))"}"#,
                    "altered"
                ),
                (#"{"call_id": "call-9", "outcome": "succeeded", "receipt": "\#(receipt)"}"#, "another call"),
                (#"{"call_id": "call-8", "outcome": "succeeded", "receipt": "not.base64!"}"#, "malformed"),
                (#"{"call_id": "call-8", "outcome": "succeeded", "receipt": 7}"#, "not a string"),
            ] {
                let refused = try await client.post(path, body)
                #expect(refused.status == 400, "\(why): \(refused.text)")
            }
            let elsewhere = try await client.post(
                "/v1/sessions/\(other)/outcomes",
                #"{"call_id": "call-8", "outcome": "succeeded", "receipt": "\#(receipt)"}"#
            )
            #expect(elsewhere.status == 400, "another session: \(elsewhere.text)")

            let recorded = try await client.post(
                path,
                #"{"call_id": "call-8", "outcome": "failed", "error": "disk full", "duration_ms": 5, "receipt": "\#(receipt)"}"#
            )
            #expect(recorded.status == 202, "\(recorded.text)")
            return root
        }
        let (records, problems) = try AuditLog.read(contentsOf: root + "/audit.jsonl")
        #expect(problems.isEmpty)
        let decision = try #require(records.first { $0.event == .decision && $0.callID == "call-8" })
        let outcomes = records.filter { $0.event == .outcome }
        try #require(outcomes.count == 1)
        let outcome = outcomes[0]
        #expect(outcome.session == decision.session && outcome.tool == decision.tool)
        #expect(outcome.argumentsDigest == decision.argumentsDigest)
        #expect(outcome.step == decision.step && outcome.reason == decision.reason && outcome.policy == decision.policy)
        #expect(outcome.outcome == .failed && outcome.error == "disk full")
        #expect(outcome.durationNanoseconds == 5_000_000)
    }

    @Test func unknownSessionsPersonasAndUsersAreRefused() async throws {
        try await withSampleServer(directories) { _, client, _ in
            #expect(try await client.get("/v1/sessions/nope/tools").status == 404)
            let persona = try await client.post("/v1/sessions", #"{"user": "alice", "persona": "no_such_persona"}"#)
            #expect(persona.status == 404)
            let reserved = try await client.post(
                "/v1/sessions",
                #"{"user": "alice", "persona": "code_reviewer", "context": {"session": "x"}}"#
            )
            #expect(reserved.status == 400)
        }
    }

    @Test func theSessionTableIsBoundedAndIdleSessionsExpire() async throws {
        let clock = Mutex<Duration>(.zero)
        let extra = "\n  sessions: {max_sessions: 2, idle_timeout_ms: 1000}"
        let now: @Sendable () -> Duration = { clock.withLock { $0 } }
        try await withSampleServer(directories, extraServer: extra, sessionClock: now) { _, client, _ in
            let first = try await open(client)
            _ = try await open(client)
            let third = try await client.post("/v1/sessions", #"{"user": "alice", "persona": "code_reviewer"}"#)
            #expect(third.status == 503)
            #expect(third.errorCode == "unavailable")

            clock.withLock { $0 += .milliseconds(1_500) }
            #expect(try await client.get("/v1/sessions/\(first)/tools").status == 404)
            // Idle sessions make room.
            _ = try await open(client)
        }
    }
}
