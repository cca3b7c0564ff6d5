import Logging
import PostgresNIO
public import VictorAuthorization

/// The authorization configuration in PostgreSQL: each committed configuration is an immutable
/// row of `victor_configurations` with a generation one above the one before.
///
/// `commit(_:expectedGeneration:)` validates the whole document with the same reader and
/// validator as a configuration file, then inserts it in one transaction: the generation is the
/// primary key, so of two instances committing on one generation the database takes one and the
/// other gets ``PostgresStoreError/Code/conflict``. The commit sends `NOTIFY victor_changes` with
/// `configuration:GENERATION`, and every instance's ``PostgresChangeListener`` installs it.
public struct PostgresConfigurationStore: Sendable {
    /// A stored configuration and its generation.
    public struct Stored: Sendable {
        /// The generation: 1 for the first configuration committed, one more for each after.
        public var generation: Int
        /// The configuration, validated.
        public var configuration: AuthorizationConfiguration
    }

    let database: PostgresStore

    /// Creates the store over `database`, whose schema ``PostgresSchema/migrate(_:)`` has made.
    /// - Parameter database: the store's pool.
    public init(database: PostgresStore) {
        self.database = database
    }

    /// The newest committed configuration, or `nil` when none has been committed.
    /// - Throws: ``PostgresStoreError/Code/query`` when the database fails,
    ///   ``PostgresStoreError/Code/damaged`` when the stored document does not validate.
    public func latest() async throws(PostgresStoreError) -> Stored? {
        let rows: [PostgresRow]
        do {
            rows = try await database.rows(
                "SELECT generation, document FROM victor_configurations ORDER BY generation DESC LIMIT 1"
            )
        } catch {
            throw PostgresStoreError(.query, "cannot read the configuration from \(database.url)", cause: Cause(error))
        }
        guard let row = rows.first else { return nil }
        let generation: Int
        let document: String
        do {
            (generation, document) = try row.decode((Int, String).self)
        } catch {
            throw PostgresStoreError(
                .damaged,
                "a row of victor_configurations has the wrong columns",
                cause: Cause(error)
            )
        }
        do {
            let configuration = try AuthorizationConfiguration.parse(
                document,
                file: "victor_configurations(\(generation))"
            )
            try configuration.validate()
            return Stored(generation: generation, configuration: configuration)
        } catch {
            throw PostgresStoreError(.damaged, "the stored configuration \(generation) does not validate", cause: error)
        }
    }

    /// Validates `text` whole and commits it as the next generation, provided the newest stored
    /// generation is `expectedGeneration` (0: none stored yet).
    /// - Parameters:
    ///   - text: the configuration document, YAML or JSON, as a configuration file holds it.
    ///   - expectedGeneration: the generation the caller read.
    /// - Returns: the new generation.
    /// - Throws: ``PostgresStoreError/Code/invalidDocument`` (with the reader's error as cause)
    ///   when the document does not validate, ``PostgresStoreError/Code/conflict`` when another
    ///   change came first; nothing is stored then.
    @discardableResult
    public func commit(_ text: String, expectedGeneration: Int) async throws(PostgresStoreError) -> Int {
        let configuration: AuthorizationConfiguration
        do {
            configuration = try AuthorizationConfiguration.parse(text, file: "<configuration>")
            try configuration.validate()
        } catch {
            throw PostgresStoreError(
                .invalidDocument,
                "the configuration does not validate; nothing was stored",
                cause: error
            )
        }
        return try await commit(configuration, expectedGeneration: expectedGeneration)
    }

    /// Commits a validated configuration as the next generation; see the overload taking the document text.
    /// - Parameters:
    ///   - configuration: the configuration; validated again before it is stored.
    ///   - expectedGeneration: the generation the caller read.
    /// - Returns: the new generation.
    @discardableResult
    public func commit(
        _ configuration: AuthorizationConfiguration,
        expectedGeneration: Int
    ) async throws(PostgresStoreError) -> Int {
        do {
            try configuration.validate()
        } catch {
            throw PostgresStoreError(
                .invalidDocument,
                "the configuration does not validate; nothing was stored",
                cause: error
            )
        }
        let document = configuration.json()
        let generation = expectedGeneration + 1
        let logger = database.logger
        do {
            try await database.transaction { connection in
                let newest =
                    try await connection.rows(
                        "SELECT coalesce(max(generation), 0) FROM victor_configurations",
                        logger: logger
                    ).first?.decode(Int.self) ?? 0
                guard newest == expectedGeneration else {
                    throw PostgresStoreError(
                        .conflict,
                        "the configuration is at generation \(newest), not the expected \(expectedGeneration)"
                    )
                }
                try await connection.query(
                    "INSERT INTO victor_configurations (generation, document) VALUES (\(generation), \(document))",
                    logger: logger
                )
                try await connection.query(
                    "SELECT pg_notify(\(PostgresPersonaStore.channel), \("configuration:\(generation)"))",
                    logger: logger
                )
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            if Cause(error).sqlState == "23505" {
                throw PostgresStoreError(.conflict, "another change committed generation \(generation) first")
            }
            throw PostgresStoreError(.query, "cannot commit the configuration to \(database.url)", cause: Cause(error))
        }
        return generation
    }
}
