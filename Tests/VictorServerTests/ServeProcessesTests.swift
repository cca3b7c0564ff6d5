import Foundation
import HTTPTypes
import Synchronization
import Testing
import VictorAuthorization
import VictorRuntime
import VictorScratchPostgres
import VictorTestSupport

/// Several `victor serve` processes on one PostgreSQL database, as a deployment runs them:
/// changes made through one are served by the others, writers across them conflict in the
/// database, one session budget is spent through all of them, and a killed instance or a
/// restarted database loses nothing committed and decides nothing wrong.
@Suite(
    .enabled(if: PostgresTests.isAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"),
    .enabled(if: victorExecutable() != nil, "the victor executable is not built"),
    .serialized
)
struct ServeProcessesTests {
    let directories = TemporaryDirectories()

    /// A configuration directory with the sample files; every instance reads the same one.
    func setup(stalenessBoundMilliseconds: Int = 5_000) throws -> String {
        try makeSetup(directories, extraServer: "\n  staleness_bound_ms: \(stalenessBoundMilliseconds)")
    }

    /// Starts `count` instances on the store at `url`, all ready.
    func start(_ count: Int, root: String, url: String) async throws -> [ServeProcess] {
        var instances: [ServeProcess] = []
        for index in 0..<count {
            instances.append(
                try await ServeProcess.start(
                    ["--config", root + "/victor.yaml", "--store", url],
                    in: root,
                    name: "instance-\(index)-\(UUID().uuidString.prefix(8))"
                )
            )
        }
        for instance in instances {
            let client = Client(port: instance.port)
            let ready = try await eventually(within: .seconds(20)) {
                try await client.get("/health/ready").status == 200
            }
            #expect(ready != nil, "instance \(instance.pid) never became ready:\n\(instance.log)")
        }
        return instances
    }

    func stop(_ instances: [ServeProcess]) async {
        for instance in instances { await instance.stop() }
    }

    /// Polls `probe` every 10 ms for at most `limit`; returns how long it took, or `nil`.
    func eventually(within limit: Duration = .seconds(5), _ probe: () async throws -> Bool) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if (try? await probe()) == true { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// The built-in `code_reviewer` persona's document under another id and name.
    func personaDocument(_ client: Client, id: String, name: String) async throws -> String {
        let reply = try await client.get("/v1/personas/code_reviewer")
        guard case .object(var members) = reply.json else { return "" }
        members["id"] = .string(id)
        members["name"] = .string(name)
        return JSONValue.object(members).canonicalJSON
    }

    @Test(.timeLimit(.minutes(3))) func threeInstancesServeOneDatabase() async throws {
        let cluster = try PostgresTestCluster.shared()
        let url = cluster.url(database: try cluster.makeDatabase())
        let root = try setup()
        let instances = try await start(3, root: root, url: url)
        defer { for instance in instances where instance.isRunning { kill(instance.pid, SIGKILL) } }
        let clients = instances.map { Client(port: $0.port) }
        let (first, others) = (clients[0], clients.dropFirst())

        // The first instance seeded generation 1 from the authorization file; all run it.
        for client in clients {
            #expect(try await client.get("/health/ready")["generation"] == .string("1"))
        }

        // A persona written through one instance is served by the others.
        let body = try await personaDocument(first, id: "shared", name: "Shared Reviewer")
        #expect(try await first.put("/v1/personas/shared", body).status == 201)
        for client in others {
            let served = try await eventually { try await client.get("/v1/personas/shared").status == 200 }
            #expect(served != nil, "an instance never served the new persona")
        }
        let updated = try await first.put("/v1/personas/shared", body, headers: ["If-Match": "\"1\""])
        #expect(updated.status == 200)
        for client in others {
            let changed = try await eventually {
                try await client.get("/v1/personas/shared").headers[.eTag] == "\"2\""
            }
            #expect(changed != nil, "an instance kept serving version 1")
        }

        // A policy change decides identically on every instance.
        let check = #"{"user": "alice", "resource": "code", "action": "read"}"#
        for client in clients { #expect(try await client.post("/v1/authz/check", check)["allowed"] == .bool(true)) }
        let revoked = Samples.authorization.replacingOccurrences(of: "- {resource: code, action: read}", with: "")
        let json = try AuthorizationConfiguration.parse(revoked).json()
        let written = try await clients[1].put("/v1/authz/configuration", json, headers: ["If-Match": "\"1\""])
        #expect(written.status == 200, "\(written.text)")
        for client in clients {
            let installed = try await eventually {
                try await client.post("/v1/authz/check", check)["allowed"] == .bool(false)
            }
            #expect(installed != nil, "an instance kept allowing what the new configuration denies")
            #expect(try await client.get("/health/ready")["generation"] == .string("2"))
        }

        // Eight writers at one version across the instances: the database takes exactly one.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<8 {
                let client = clients[writer % clients.count]
                let text = try await personaDocument(client, id: "shared", name: "Writer \(writer)")
                group.addTask {
                    try await client.put("/v1/personas/shared", text, headers: ["If-Match": "\"2\""]).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 1, "statuses: \(statuses)")
        #expect(statuses.filter { $0 == 409 || $0 == 412 }.count == 7, "statuses: \(statuses)")

        // A session opened on one instance is served by the others, and 1,000 calls spread over
        // all three, 96 in flight at any time, spend one budget: the debugger persona's 50 calls.
        // (Each call is a new connection; 1,000 at once would overflow the instances' accept
        // queues, and a dropped connection attempt waits seconds for its retry.)
        let opened = try await first.post(
            "/v1/sessions",
            #"{"user": "alice", "persona": "debugger", "context": {"env": "dev"}}"#
        )
        #expect(opened.status == 201, "\(opened.text)")
        guard case .string(let session)? = opened["session"] else {
            Issue.record("no session in \(opened.text)")
            return
        }
        for client in others {
            let tools = try await client.get("/v1/sessions/\(session)/tools")
            #expect(tools.status == 200, "another instance does not know the session: \(tools.text)")
        }
        let verdicts = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            var verdicts: [(Int, String?)] = []
            for call in 0..<1_000 {
                if call >= 96, let verdict = try await group.next() { verdicts.append(verdict) }
                let client = clients[call % clients.count]
                group.addTask {
                    let reply = try await client.post(
                        "/v1/sessions/\(session)/authorize",
                        #"{"tool": "read_file", "arguments": {"path": "src/\#(call).swift"}, "call_id": "call-\#(call)"}"#
                    )
                    if case .string(let verdict)? = reply["verdict"] { return (reply.status, verdict) }
                    return (reply.status, nil)
                }
            }
            return try await group.reduce(into: verdicts) { $0.append($1) }
        }
        #expect(verdicts.count == 1_000)
        #expect(verdicts.allSatisfy { $0.0 == 200 }, "statuses: \(Set(verdicts.map(\.0)))")
        #expect(verdicts.filter { $0.1 == "allowed" }.count == 50)
        #expect(verdicts.filter { $0.1 == "denied" }.count == 950)
        let spent = try await clients[2].post(
            "/v1/sessions/\(session)/authorize",
            #"{"tool": "read_file", "arguments": {"path": "one-more"}}"#
        )
        #expect(spent["step"] == .string("budget"))
        #expect(spent["remaining_calls"] == .integer(0))

        // A call's outcome is accepted by another instance than the one that decided, with the
        // receipt the decision carried: the instances share its key through the database.
        let reopened = try await first.post("/v1/sessions", #"{"user": "alice", "persona": "debugger"}"#)
        guard case .string(let another)? = reopened["session"] else {
            Issue.record("no session in \(reopened.text)")
            return
        }
        let decided = try await first.post(
            "/v1/sessions/\(another)/authorize",
            #"{"tool": "read_file", "arguments": {"path": "a"}, "call_id": "r-1"}"#
        )
        guard case .string(let receipt)? = decided["receipt"] else {
            Issue.record("no receipt in \(decided.text)")
            return
        }
        let outcomes = "/v1/sessions/\(another)/outcomes"
        let without = try await clients[1].post(outcomes, #"{"call_id": "r-1", "outcome": "succeeded"}"#)
        #expect(without.status == 404, "\(without.text)")
        let withReceipt = try await clients[1].post(
            outcomes,
            #"{"call_id": "r-1", "outcome": "succeeded", "receipt": "\#(receipt)"}"#
        )
        #expect(withReceipt.status == 202, "\(withReceipt.text)")
        await stop(instances)
    }

    @Test(.timeLimit(.minutes(3))) func aKilledInstanceLosesNoAcknowledgedWrite() async throws {
        let cluster = try PostgresTestCluster.shared()
        let url = cluster.url(database: try cluster.makeDatabase())
        let root = try setup()
        let instances = try await start(2, root: root, url: url)
        defer { for instance in instances where instance.isRunning { kill(instance.pid, SIGKILL) } }
        let (victim, survivor) = (Client(port: instances[0].port), Client(port: instances[1].port))
        let template = try await personaDocument(survivor, id: "template", name: "Template")
        let acknowledged = Shared<[String: String]>([:])

        // Four writers create personas through the first instance until it dies under them.
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for index in 0..<10_000 {
                            let id = "w\(writer)-\(index)"
                            let name = "Writer \(writer) number \(index)"
                            let body = template.replacingOccurrences(of: "\"template\"", with: "\"\(id)\"")
                                .replacingOccurrences(of: "\"Template\"", with: "\"\(name)\"")
                            guard let reply = try? await victim.put("/v1/personas/\(id)", body) else { return }
                            if reply.status == 201 { acknowledged.withLock { $0[id] = name } }
                        }
                    }
                }
            }
        }
        _ = try await eventually(within: .seconds(20)) { acknowledged.withLock { $0.count } >= 40 }
        await instances[0].killAbruptly()
        await writers.value
        let written = acknowledged.withLock { $0 }
        #expect(written.count >= 40, "too few writes were acknowledged before the kill")

        // Every acknowledged write is served by the survivor, complete.
        for (id, name) in written {
            let reply = try await survivor.get("/v1/personas/\(id)")
            #expect(reply.status == 200, "acknowledged persona \(id) is missing")
            #expect(reply["name"] == .string(name))
        }
        // Whatever else reached the database is complete too: a current version with its history.
        let listing = try await survivor.get("/v1/personas")
        guard case .array(let personas)? = listing["personas"] else {
            Issue.record("no personas in \(listing.text)")
            return
        }
        let stored = personas.compactMap { persona -> String? in
            if case .string(let id)? = persona["id"], id.hasPrefix("w") { return id }
            return nil
        }
        #expect(Set(written.keys).isSubset(of: Set(stored)))
        for id in stored {
            let history = try await survivor.get("/v1/personas/\(id)/history")
            #expect(history.status == 200, "persona \(id) has no history: \(history.text)")
        }

        // An instance started again on the database serves the same.
        let restarted = try await start(1, root: root, url: url)
        defer { for instance in restarted where instance.isRunning { kill(instance.pid, SIGKILL) } }
        let again = Client(port: restarted[0].port)
        for id in written.keys.sorted().prefix(20) {
            #expect(try await again.get("/v1/personas/\(id)").status == 200)
        }
        await stop(restarted + [instances[1]])
    }

    @Test(.timeLimit(.minutes(3))) func aRestartedDatabaseMakesInstancesUnreadyThenCurrent() async throws {
        // A cluster of its own, stopped and started by this test alone.
        let cluster = try PostgresTestCluster.makePrivate()
        defer { cluster.remove() }
        let url = cluster.url(database: try cluster.makeDatabase())
        let root = try setup(stalenessBoundMilliseconds: 300)
        let instances = try await start(2, root: root, url: url)
        defer { for instance in instances where instance.isRunning { kill(instance.pid, SIGKILL) } }
        let clients = instances.map { Client(port: $0.port) }
        let check = #"{"user": "alice", "resource": "code", "action": "read"}"#

        // A checker asks both instances all along; every answer must be the configuration in
        // force (allowed) or a refusal (503), never anything else.
        let wrong = Shared<[String]>([])
        let refusals = Shared<Int>(0)
        let checking = Task {
            while !Task.isCancelled {
                for client in clients {
                    guard let reply = try? await client.post("/v1/authz/check", check) else { continue }
                    switch (reply.status, reply["allowed"]) {
                    case (200, .bool(true)?): break
                    case (503, _): refusals.withLock { $0 += 1 }
                    default: wrong.withLock { $0.append("\(reply.status) \(reply.text)") }
                    }
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        try cluster.stop()
        for client in clients {
            let unready = try await eventually(within: .seconds(10)) {
                try await client.get("/health/ready").status == 503
            }
            #expect(unready != nil, "an instance stayed ready with the database stopped")
        }
        // Unready comes at once; decisions are refused only past the 300 ms staleness bound, so
        // the database stays away until the checker has seen that.
        let refused = try await eventually(within: .seconds(10)) { refusals.withLock { $0 } > 0 }
        #expect(refused != nil, "no decision was refused while the database was away")
        try cluster.start()
        for client in clients {
            let ready = try await eventually(within: .seconds(15)) {
                try await client.get("/health/ready").status == 200
            }
            #expect(ready != nil, "an instance was not ready again after the database came back")
        }
        checking.cancel()
        await checking.value
        #expect(wrong.withLock { $0 }.isEmpty, "wrong answers: \(wrong.withLock { $0.prefix(3) })")
        #expect(refusals.withLock { $0 } > 0, "no decision was refused while the database was away")

        // Current again: a change committed now reaches both.
        let revoked = Samples.authorization.replacingOccurrences(of: "- {resource: code, action: read}", with: "")
        let json = try AuthorizationConfiguration.parse(revoked).json()
        let written = try await clients[0].put("/v1/authz/configuration", json, headers: ["If-Match": "\"1\""])
        #expect(written.status == 200, "\(written.text)")
        for client in clients {
            let installed = try await eventually {
                try await client.post("/v1/authz/check", check)["allowed"] == .bool(false)
            }
            #expect(installed != nil, "an instance did not apply the change after the restart")
        }
        await stop(instances)
    }
}

/// A value tasks share under a lock.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func withLock<Result: Sendable>(_ body: (inout sending Value) -> Result) -> Result {
        value.withLock { body(&$0) }
    }
}
