import Logging
import PostgresNIO
import Testing
import VictorPostgres
import VictorScratchPostgres

@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresSchemaTests {
    @Test func twoConcurrentMigratorsBothSucceedAndApplyTheSchemaOnce() async throws {
        try await withTestDatabases { databases in
            let url = try await databases.makeURL()
            let first = try await databases.open(url)
            let second = try await databases.open(url)
            async let a = PostgresSchema.migrate(first)
            async let b = PostgresSchema.migrate(second)
            let applied = try await [a, b]
            #expect(applied.sorted { $0.count < $1.count } == [[], PostgresSchema.migrations.map(\.version)])
            #expect(try await PostgresSchema.appliedVersions(first) == PostgresSchema.migrations.map(\.version))
            #expect(try await PostgresSchema.migrate(second).isEmpty)
        }
    }

    @Test func aSchemaNewerThanTheBuildIsRefused() async throws {
        try await withTestDatabases { databases in
            let database = try await databases.make()
            try await database.client.query(
                "INSERT INTO victor_schema_migrations (version, summary) VALUES (9999, 'future')",
                logger: Logger(label: "test")
            )
            let error = await #expect(throws: PostgresStoreError.self) { try await PostgresSchema.migrate(database) }
            #expect(error?.code == .migration)
            #expect(error?.message.contains("9999") == true)
        }
    }
}

@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresOutageTests {
    /// With the server gone, the pool would wait for a connection for ever; every operation
    /// gives up after the connect and statement timeouts instead. (The time limit only ends a
    /// hang: with a cluster of its own the test took 34–39 s in full parallel runs on 2 cores.)
    @Test(.timeLimit(.minutes(3))) func operationsFailWithinTheLimitWhenTheDatabaseIsAway() async throws {
        let cluster = try ScratchPostgresCluster.makePrivate()
        defer { cluster.remove() }
        let base = cluster.url(database: try cluster.makeDatabase())
        // Migrated with the default limits: under a full parallel run, the migrations alone
        // sometimes took longer than the short ones below.
        let migrating = PostgresStore(url: try PostgresStoreURL(base))
        try await PostgresSchema.migrate(migrating)
        await migrating.shutdown()
        let database = PostgresStore(url: try PostgresStoreURL(base + "&connect_timeout=2&statement_timeout=3000"))
        #expect(database.operationLimit == .seconds(5))
        try cluster.stop()
        let start = ContinuousClock.now
        let error = await #expect(throws: PostgresStoreError.self) {
            _ = try await PostgresConfigurationStore(database: database).latest()
        }
        #expect(error?.message.contains("cannot read the configuration") == true)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(30), "waited \(elapsed)")
        let spend = await #expect(throws: PostgresStoreError.self) {
            _ = try await PostgresSessionBudgets(database: database).spend(session: "s")
        }
        #expect(spend?.code == .query)
        await database.shutdown()
    }
}
