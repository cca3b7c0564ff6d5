import Logging
import PostgresNIO
import VictorPostgres
import VictorScratchPostgres
import VictorTestSupport

/// Fresh databases on the process's throwaway cluster, each with the schema applied, and every
/// pool opened on them closed when the test ends.
actor TestDatabases {
    private var opened: [PostgresStore] = []

    /// A new empty database, migrated, and its URL.
    func make() async throws -> PostgresStore {
        let cluster = try PostgresTestCluster.shared()
        let name = try cluster.makeDatabase()
        let database = try open(cluster.url(database: name))
        try await PostgresSchema.migrate(database)
        return database
    }

    /// A new empty database's URL, with no schema.
    func makeURL() throws -> String {
        let cluster = try PostgresTestCluster.shared()
        return cluster.url(database: try cluster.makeDatabase())
    }

    /// Another pool on the database at `url`: what a second instance would open.
    func open(_ url: String) throws -> PostgresStore {
        let database = PostgresStore(url: try PostgresStoreURL(url))
        opened.append(database)
        return database
    }

    /// Another pool on `database`'s database (the throwaway cluster has no passwords, so the
    /// redacted URL is the whole URL).
    func reopen(_ database: PostgresStore) throws -> PostgresStore {
        try open(database.url.redacted)
    }

    /// Closes every pool.
    func closeAll() async {
        for database in opened { await database.shutdown() }
        opened.removeAll()
    }
}

/// Runs `body` with a ``TestDatabases`` whose pools are closed afterwards, even when it throws.
func withTestDatabases<Result: Sendable>(_ body: (TestDatabases) async throws -> Result) async throws -> Result {
    let databases = TestDatabases()
    do {
        let result = try await body(databases)
        await databases.closeAll()
        return result
    } catch {
        await databases.closeAll()
        throw error
    }
}

/// Why the PostgreSQL suites are off, for `.enabled(if:)`.
let postgresAvailable = PostgresTests.isAvailable
