import ArgumentParser
import VictorPostgres

/// `victor db`: the PostgreSQL store's schema.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage a PostgreSQL store's schema.",
        subcommands: [Migrate.self]
    )

    /// `victor db migrate --store postgres://…`.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the schema migrations the database lacks.",
            discussion: """
                Safe beside running instances and other migrators: migrations run in one transaction \
                under an advisory lock, each applied once. The password comes from the URL or \
                PGPASSWORD and is never printed. Exit status 1 when a migration fails (nothing of it \
                is applied), 2 on a bad URL.
                """
        )

        @Option(help: "The store, a postgres:// URL (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE fill gaps).")
        var store: String

        func run() async throws {
            let console = CommandOutput.current
            let url: PostgresStoreURL
            do {
                url = try PostgresStoreURL(store)
            } catch {
                throw CommandFailure(.invalidInput, ["error: \(error)"])
            }
            let database = PostgresStore(url: url)
            do {
                let applied = try await PostgresSchema.migrate(database)
                await database.shutdown()
                console.line(
                    applied.isEmpty
                        ? "\(url): schema at version \(PostgresSchema.latestVersion), nothing to apply"
                        : "\(url): applied \(applied.map(String.init).joined(separator: ", "))"
                )
            } catch {
                await database.shutdown()
                throw CommandFailure(.storeFailure, ["error: \(error)"])
            }
        }
    }
}
