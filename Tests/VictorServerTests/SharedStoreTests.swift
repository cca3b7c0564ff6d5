import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing
import VictorPostgres
import VictorRuntime
import VictorScratchPostgres
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

/// A server in this test process on a database of the throwaway cluster: its readiness and its
/// logs. ``ServeProcessesTests`` runs several `victor serve` processes on one database.
@Suite(.enabled(if: PostgresTests.isAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct SharedStoreTests {
    let directories = TemporaryDirectories()

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

    // Three minutes: making, stopping and starting a cluster of its own took 43–51 s in full
    // parallel `swift test` runs on a 2-core machine; the limit ends a hang, it times nothing.
    @Test(.timeLimit(.minutes(3))) func aLostDatabaseFailsClosedPastTheStalenessBound() async throws {
        // A cluster of its own, stopped and started by this test alone.
        let cluster = try PostgresTestCluster.makePrivate()
        defer { cluster.remove() }
        let root = try makeSetup(directories)
        var configuration = try ServerConfiguration.load(contentsOf: root + "/victor.yaml")
        // Short limits: a request needing the stopped database is refused within seconds. The
        // statement limit leaves the start (the migrations, on a disk the other tests keep busy)
        // room: with 3 s it ran out now and then in a full parallel run.
        let url = cluster.url(database: try cluster.makeDatabase()) + "&connect_timeout=2&statement_timeout=10000"
        configuration.store = try PostgresStoreURL(url)
        configuration.stalenessBound = .milliseconds(300)
        let check = #"{"user": "alice", "resource": "code", "action": "read"}"#
        try await withServer(configuration) { _, client in
            let ready = try await eventually(within: .seconds(15)) {
                try await client.get("/health/ready").status == 200
            }
            try #require(ready != nil, "never ready")
            #expect(try await client.post("/v1/authz/check", check)["allowed"] == .bool(true))

            let reviewer = try await client.get("/v1/personas/code_reviewer")
            #expect(reviewer.status == 200)
            let document = reviewer.text.replacingOccurrences(of: "\"code_reviewer\"", with: "\"written_later\"")

            try cluster.stop()
            // A persona write needs the database: refused as unavailable, not as a server fault.
            let write = try await client.put("/v1/personas/written_later", document)
            #expect(write.status == 503, "\(write.text)")
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

    @Test(.timeLimit(.minutes(1))) func auditRecordsGoToTheStoreTableWhenAsked() async throws {
        var configuration = try configuration()
        configuration.runtime.auditToStore = true
        let session = try await withServer(configuration) { _, client -> String in
            let opened = try await client.post(
                "/v1/sessions",
                #"{"user": "alice", "persona": "code_reviewer", "context": {"env": "dev"}}"#
            )
            guard case .string(let session)? = opened["session"] else {
                Issue.record("no session in \(opened.text)")
                return ""
            }
            for path in ["a.swift", "secret.txt"] {
                let reply = try await client.post(
                    "/v1/sessions/\(session)/authorize",
                    #"{"tool": "read_file", "arguments": {"path": "\#(path)"}}"#
                )
                #expect(reply.status == 200)
            }
            return session
        }
        // The server has shut down, which writes the last batch.
        let database = PostgresStore(url: try #require(configuration.store))
        let rows = try await database.client.query(
            "SELECT verdict FROM victor_audit WHERE session = \(session) ORDER BY id",
            logger: Logger(label: "test")
        ).collect()
        await database.shutdown()
        #expect(try rows.map { try $0.decode(String.self) } == ["allowed", "denied"])
    }

    @Test func auditToTheStoreWithoutAStoreIsRefused() async throws {
        var configuration = try configuration()
        configuration.store = nil
        configuration.runtime.auditToStore = true
        let error = await #expect(throws: ServerError.self) {
            _ = try await VictorServer.make(configuration, accessLog: nil)
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("audit.store") == true)
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
