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

    /// The longest an operation may take, waiting for a connection included: the connect timeout
    /// plus the statement timeout. The pool waits for a connection as long as it is asked to, so
    /// without this bound a request would wait as long as the database is away.
    public var operationLimit: Duration { url.connectTimeout + url.statementTimeout }

    /// Runs `body`, cancelled past ``operationLimit``.
    /// - Throws: ``PostgresStoreError/Code/unavailable`` when the limit passes first, or what
    ///   `body` threw.
    func bounded<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let limit = operationLimit
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard case let value?? = try await group.next() else {
                throw PostgresStoreError(.unavailable, "\(url) did not answer within \(limit)")
            }
            return value
        }
    }

    /// Runs one statement whose rows are not wanted, within ``operationLimit``.
    func execute(_ query: PostgresQuery) async throws {
        try await bounded { [client, logger] in
            _ = try await client.query(query, logger: logger).collect()
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws,
    /// and the error it threw is rethrown unchanged; within ``operationLimit``.
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await bounded { [self] in try await unboundedTransaction(body) }
    }

    private func unboundedTransaction<Result: Sendable>(
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

    /// Runs one statement and collects its rows, within ``operationLimit``.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await bounded { [client, logger] in try await client.query(query, logger: logger).collect() }
    }
}

extension PostgresConnection {
    /// Runs one statement and collects its rows.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
