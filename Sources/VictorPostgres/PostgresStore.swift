public import Logging
public import PostgresNIO
public import VictorTelemetry

/// One instance's connection to a PostgreSQL store: a bounded pool of connections, shared by the
/// persona store, the configuration store, the session budgets and the audit sink.
///
/// The pool runs in a task the database owns from ``init(url:logger:)`` until ``shutdown()``.
public final class PostgresStore: Sendable {
    /// Where the store is.
    public let url: PostgresStoreURL
    /// The pooled client; at most ``PostgresStoreURL/poolSize`` connections.
    public let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>

    /// Opens a pool to the store at `url`; connections are made when first needed.
    /// - Parameters:
    ///   - url: where the store is.
    ///   - logger: where the pool's background events go; nothing is logged when omitted.
    public init(url: PostgresStoreURL, logger: Logger = Telemetry.silent) {
        self.url = url
        self.logger = logger
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// Closes every connection; later calls fail.
    public func shutdown() async {
        running.cancel()
        await running.value
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws,
    /// and the error it threw is rethrown unchanged.
    func transaction<Result: Sendable>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            let result: Result
            do {
                result = try await body(connection)
            } catch {
                // A broken connection cannot roll back; the server discards its transaction.
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            try await connection.query("COMMIT", logger: logger)
            return result
        }
    }

    /// Runs one statement and collects its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }
}

extension PostgresConnection {
    /// Runs one statement and collects its rows.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
