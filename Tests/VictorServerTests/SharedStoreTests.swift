import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import Testing
import VictorPostgres
import VictorRuntime
import VictorServer
import VictorTestSupport

@Suite struct StoreSettingTests {
    @Test func theStoreSettingIsReadAndItsPasswordNeverShown() throws {
        let configuration = try ServerConfiguration.parse(
            "store: postgres://victor:hunter2-secret@db.internal:5433/victor\n",
            file: "victor.yaml"
        )
        let store = try #require(configuration.store)
        #expect(store.database == "victor")
        #expect(store.password == "hunter2-secret")
        #expect(!"\(store)".contains("hunter2-secret"))
    }

    @Test func aMalformedStoreNamesTheSettingAndTheFile() {
        do {
            _ = try ServerConfiguration.parse(
                "store: mysql://victor:hunter2-secret@db/victor\n",
                file: "conf/victor.yaml"
            )
            Issue.record("a mysql:// store was accepted")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("conf/victor.yaml"))
            #expect(error.message.contains("store"))
            #expect(!error.message.contains("hunter2-secret"))
        }
    }
}

/// Two servers in this test process, each with its own pool and listener, on one database of
/// the throwaway cluster: what two `victor serve --store` processes do, without building the binary.
@Suite(.enabled(if: PostgresTestCluster.isAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct SharedStoreTests {
    let directories = TemporaryDirectories()

    static let replacement =
        #"{"users": {"carol": {"roles": ["reader"]}}, "roles": {"reader": {"permissions": [{"resource": "code", "action": "read"}]}}}"#

    /// The sample configuration on a fresh database of the shared cluster.
    func configuration() throws -> ServerConfiguration {
        let cluster = try PostgresTestCluster.shared()
        let root = try makeSetup(directories)
        var configuration = try ServerConfiguration.load(contentsOf: root + "/victor.yaml")
        configuration.store = try PostgresStoreURL(cluster.url(database: try cluster.makeDatabase()))
        return configuration
    }

    /// Polls `probe` every 20 ms for at most `limit`; returns how long it took, or `nil`.
    func eventually(within limit: Duration = .seconds(2), _ probe: () async throws -> Bool) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if try await probe() { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    func personaDocument(_ client: Client, id: String, name: String) async throws -> String {
        let reply = try await client.get("/v1/personas/code_reviewer")
        guard case .object(var members) = reply.json else { return "" }
        members["id"] = .string(id)
        members["name"] = .string(name)
        return JSONValue.object(members).canonicalJSON
    }

    @Test(.timeLimit(.minutes(1))) func twoInstancesShareOneDatabase() async throws {
        let configuration = try configuration()
        try await withServer(configuration) { _, first in
            try await withServer(configuration) { _, second in
                for client in [first, second] {
                    let ready = try await eventually { try await client.get("/health/ready").status == 200 }
                    #expect(ready != nil, "an instance never became ready")
                }
                // The first instance seeded generation 1 from the authorization file.
                let ready = try await second.get("/health/ready")
                #expect(ready["generation"] == .string("1"))
                #expect(try await second.get("/v1/authz/configuration").headers[.eTag] == "\"1\"")

                // A persona written through one instance is served by the other.
                let body = try await personaDocument(first, id: "shared", name: "Shared Reviewer")
                #expect(try await first.put("/v1/personas/shared", body).status == 201)
                let created = try await eventually { try await second.get("/v1/personas/shared").status == 200 }
                let createdDelay = try #require(created, "the second instance never served the new persona")
                print("persona created on one instance, served by the other after \(createdDelay)")

                // An update invalidates the other instance's cached copy.
                let updated = try await first.put("/v1/personas/shared", body, headers: ["If-Match": "\"1\""])
                #expect(updated.status == 200)
                let changed = try await eventually {
                    try await second.get("/v1/personas/shared").headers[.eTag] == "\"2\""
                }
                let changedDelay = try #require(changed, "the second instance kept serving version 1")
                print("persona updated on one instance, seen by the other after \(changedDelay)")

                // A configuration written through one instance decides identically on the other.
                let check = #"{"user": "carol", "resource": "code", "action": "read"}"#
                #expect(try await second.post("/v1/authz/check", check)["allowed"] == .bool(false))
                let written = try await first.put(
                    "/v1/authz/configuration",
                    Self.replacement,
                    headers: ["If-Match": "\"1\""]
                )
                #expect(written.status == 200)
                #expect(written.headers[.eTag] == "\"2\"")
                let installed = try await eventually {
                    try await second.get("/v1/authz/configuration").headers[.eTag] == "\"2\""
                }
                let installedDelay = try #require(installed, "the second instance kept generation 1")
                print("configuration committed on one instance, installed on the other after \(installedDelay)")
                for client in [first, second] {
                    #expect(try await client.post("/v1/authz/check", check)["allowed"] == .bool(true))
                    let alice = #"{"user": "alice", "resource": "code", "action": "read"}"#
                    #expect(try await client.post("/v1/authz/check", alice)["allowed"] == .bool(false))
                    #expect(try await client.get("/health/ready")["generation"] == .string("2"))
                    #expect(
                        try await client.get("/metrics").text.contains("victor_server_configuration_generation 2")
                    )
                }
                // The database enforces If-Match: a stale tag is refused on either instance.
                let stale = try await second.put(
                    "/v1/authz/configuration",
                    Self.replacement,
                    headers: ["If-Match": "\"1\""]
                )
                #expect(stale.status == 412)
                let invalid = try await second.put(
                    "/v1/authz/configuration",
                    #"{"users": {"dave": {"roles": ["nobody"]}}}"#,
                    headers: ["If-Match": "\"2\""]
                )
                #expect(invalid.status == 422)

                // Eight writers at one version across both instances: the database takes one.
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for writer in 0..<8 {
                        let client = writer.isMultiple(of: 2) ? first : second
                        let text = try await personaDocument(client, id: "shared", name: "Writer \(writer)")
                        group.addTask {
                            try await client.put("/v1/personas/shared", text, headers: ["If-Match": "\"2\""]).status
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 200 }.count == 1, "statuses: \(statuses)")
                #expect(statuses.filter { $0 == 409 || $0 == 412 }.count == 7, "statuses: \(statuses)")
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aLostDatabaseFailsClosedPastTheStalenessBound() async throws {
        // A cluster of its own, stopped and started by this test alone.
        let cluster = try PostgresTestCluster.makePrivate()
        defer { cluster.remove() }
        let root = try makeSetup(directories)
        var configuration = try ServerConfiguration.load(contentsOf: root + "/victor.yaml")
        configuration.store = try PostgresStoreURL(cluster.url(database: try cluster.makeDatabase()))
        configuration.stalenessBound = .milliseconds(300)
        let check = #"{"user": "alice", "resource": "code", "action": "read"}"#
        try await withServer(configuration) { _, client in
            #expect(try await eventually { try await client.get("/health/ready").status == 200 } != nil)
            #expect(try await client.post("/v1/authz/check", check)["allowed"] == .bool(true))

            try cluster.stop()
            let unready = try await eventually(within: .seconds(6)) {
                try await client.get("/health/ready").status == 503
            }
            #expect(unready != nil, "still ready with the database stopped")
            print("not ready \(unready.map { "\($0)" } ?? "never") after the database stopped")
            let denied = try await eventually { try await client.post("/v1/authz/check", check).status == 503 }
            let deniedAfter = try #require(denied, "decisions went on past the staleness bound")
            print("decisions denied \(deniedAfter) after the database stopped")
            let refusal = try await client.post("/v1/authz/check", check)
            #expect(refusal.errorCode == "unavailable")
            #expect(refusal.text.contains("stale"))

            try cluster.start()
            // The listener's backoff reaches 2 s, so it may take that long to try again.
            let current = try await eventually(within: .seconds(6)) {
                try await client.get("/health/ready").status == 200
            }
            #expect(current != nil, "not ready again after the database came back")
            #expect(try await client.post("/v1/authz/check", check)["allowed"] == .bool(true))
        }
    }

    @Test(.timeLimit(.minutes(1))) func theStorePasswordIsNeverLogged() async throws {
        let cluster = try PostgresTestCluster.shared()
        let plain = cluster.url(database: try cluster.makeDatabase())
        // The cluster trusts local connections, so the password is never asked for; it must
        // still never reach a log line.
        let secret = "pw-never-logged-7f3a"
        let withPassword = plain.replacingOccurrences(of: "@localhost", with: ":\(secret)@localhost")
        var configuration = try configuration()
        configuration.store = try PostgresStoreURL(withPassword)
        let recorder = LogRecorder()
        let server = try await VictorServer.make(configuration, logger: recorder.logger, accessLog: nil)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [server], logger: Logger(label: "test"))
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let entries = recorder.entries
        #expect(entries.contains { $0.message.contains("PostgreSQL store") })
        for entry in entries {
            #expect(!entry.message.contains(secret))
            #expect(!entry.metadata.values.contains { $0.contains(secret) })
        }
    }
}
