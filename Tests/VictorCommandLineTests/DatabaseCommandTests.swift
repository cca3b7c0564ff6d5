import Testing
import VictorScratchPostgres
import VictorTestSupport

struct DatabaseCommandTests {
    @Test(.enabled(if: PostgresTests.isAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
    func migrateAppliesTheSchemaOnceAndThenFindsNothingToDo() async throws {
        let cluster = try PostgresTestCluster.shared()
        let url = cluster.url(database: try cluster.makeDatabase())
        let first = await victor(["db", "migrate", "--store", url])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("applied 1"))
        let second = await victor(["db", "migrate", "--store", url])
        #expect(second.status == 0)
        #expect(second.standardOutput.contains("nothing to apply"))
    }

    @Test func aBadURLIsNamedWithoutItsPassword() async {
        let run = await victor(["db", "migrate", "--store", "postgres://victor:s3cret@db/victor?pool_size=none"])
        #expect(run.status == 2)
        #expect(run.standardError.contains("pool_size 'none'"))
        #expect(!run.standardError.contains("s3cret"))
        #expect(!run.standardOutput.contains("s3cret"))
    }
}
