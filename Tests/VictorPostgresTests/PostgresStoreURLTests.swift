import PostgresNIO
import Testing
import VictorPostgres

struct PostgresStoreURLTests {
    @Test func aTCPURLIsReadWithItsOptions() throws {
        let url = try PostgresStoreURL(
            "postgres://victor:s3cret@db.internal:6543/victor?sslmode=require&pool_size=4&statement_timeout=250",
            environment: [:]
        )
        #expect(url.endpoint == .tcp(host: "db.internal", port: 6543))
        #expect(url.username == "victor")
        #expect(url.password == "s3cret")
        #expect(url.database == "victor")
        #expect(url.tls == .require)
        #expect(url.poolSize == 4)
        #expect(url.statementTimeout == .milliseconds(250))
        #expect(url.clientConfiguration.options.maximumConnections == 4)
    }

    @Test func theEnvironmentFillsWhatTheURLLeavesOut() throws {
        let url = try PostgresStoreURL(
            "postgres:///?host=/run/pg",
            environment: ["PGUSER": "app", "PGPASSWORD": "from-env", "PGDATABASE": "victor", "PGPORT": "5433"]
        )
        #expect(url.endpoint == .unixSocket(directory: "/run/pg", port: 5433))
        #expect(url.username == "app")
        #expect(url.password == "from-env")
        #expect(url.database == "victor")
    }

    @Test func thePasswordIsNeverShown() throws {
        let url = try PostgresStoreURL("postgres://victor:s3cret@db/victor", environment: [:])
        #expect(!url.redacted.contains("s3cret"))
        #expect(!"\(url)".contains("s3cret"))
        #expect(url.redacted.contains("victor:***@"))
        let fromEnvironment = try PostgresStoreURL("postgres://victor@db/victor", environment: ["PGPASSWORD": "hidden"])
        #expect(!fromEnvironment.description.contains("hidden"))
        // A URL that does not parse is named without its password too.
        for bad in ["postgres://victor:s3cret@db/victor?pool_size=0", "postgres://victor:s3cret@db/victor?colour=red"] {
            let error = #expect(throws: PostgresStoreError.self) { try PostgresStoreURL(bad, environment: [:]) }
            #expect(error?.code == .invalidURL)
            #expect(error?.description.contains("s3cret") == false)
        }
        let notPostgres = #expect(throws: PostgresStoreError.self) {
            try PostgresStoreURL("mysql://victor:s3cret@db/victor", environment: [:])
        }
        #expect(notPostgres?.description.contains("s3cret") == false)
        #expect(notPostgres?.description.contains("victor:***@db") == true)
    }

    @Test func badOptionsAreNamed() {
        let cases: [(String, String)] = [
            ("postgres://db/v?sslmode=maybe", "sslmode 'maybe'"),
            ("postgres://db/v?pool_size=0", "pool_size '0'"),
            ("postgres://db/v?statement_timeout=soon", "statement_timeout 'soon'"),
            ("postgres://db/v?colour=red", "'colour'"),
            ("postgres://db/a/b", "database 'a/b'"),
        ]
        for (text, named) in cases {
            let error = #expect(throws: PostgresStoreError.self) { try PostgresStoreURL(text, environment: [:]) }
            #expect(error?.message.contains(named) == true, "\(text): \(String(describing: error))")
        }
    }
}
