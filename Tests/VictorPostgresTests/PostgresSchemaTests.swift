import Logging
import PostgresNIO
import Testing
import VictorPostgres

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
