import Logging
import PostgresNIO

/// The store's tables, as numbered migrations applied in order and recorded in
/// `victor_schema_migrations`.
///
/// ``migrate(_:)`` applies the missing ones in one transaction holding an advisory lock, so two
/// instances starting together (or `victor db migrate` beside a starting instance) apply each
/// migration once: the second waits for the first, then finds nothing left to do. A failing
/// migration applies nothing. Migrations are never edited once released; a change is a new one.
public enum PostgresSchema {
    /// One step of the schema.
    public struct Migration: Sendable {
        /// The step's number; steps run in increasing order.
        public let version: Int
        /// What the step does.
        public let summary: String
        let statements: [String]
    }

    /// The key of the advisory lock migrations hold (`victor` in ASCII).
    static let lockKey: Int64 = 0x76_69_63_74_6F_72

    /// Every migration, oldest first.
    public static let migrations: [Migration] = [
        Migration(
            version: 1,
            summary: "personas, configuration documents, session budgets, audit",
            statements: [
                """
                CREATE FUNCTION victor_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'rows of % are immutable', TG_TABLE_NAME; END $$
                """,
                // The current version of each persona; the row a writer updates conditionally.
                """
                CREATE TABLE victor_personas (
                    id text COLLATE "C" PRIMARY KEY,
                    version integer NOT NULL CHECK (version >= 1)
                )
                """,
                """
                CREATE TABLE victor_persona_versions (
                    id text COLLATE "C" NOT NULL,
                    version integer NOT NULL CHECK (version >= 1),
                    document text NOT NULL,
                    saved_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (id, version)
                )
                """,
                """
                CREATE TRIGGER victor_persona_versions_immutable BEFORE UPDATE ON victor_persona_versions
                FOR EACH ROW EXECUTE FUNCTION victor_refuse_update()
                """,
                """
                CREATE TABLE victor_configurations (
                    generation bigint PRIMARY KEY CHECK (generation >= 1),
                    document text NOT NULL,
                    committed_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TRIGGER victor_configurations_immutable BEFORE UPDATE ON victor_configurations
                FOR EACH ROW EXECUTE FUNCTION victor_refuse_update()
                """,
                """
                CREATE TABLE victor_session_budgets (
                    session text COLLATE "C" PRIMARY KEY,
                    max_calls integer CHECK (max_calls >= 0),
                    used integer NOT NULL DEFAULT 0 CHECK (used >= 0),
                    opened_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE victor_audit (
                    id bigserial PRIMARY KEY,
                    time timestamptz NOT NULL,
                    session text NOT NULL,
                    tool text NOT NULL,
                    verdict text NOT NULL,
                    record jsonb NOT NULL
                )
                """,
                "CREATE INDEX victor_audit_session ON victor_audit (session, time)",
            ]
        ),
        Migration(
            version: 2,
            summary: "sessions any instance can serve",
            statements: [
                // The facts a session fixed when it opened; its budget is its row in
                // victor_session_budgets, opened in the same transaction.
                """
                CREATE TABLE victor_sessions (
                    id text COLLATE "C" PRIMARY KEY,
                    user_name text NOT NULL,
                    persona text COLLATE "C" NOT NULL,
                    persona_version integer NOT NULL CHECK (persona_version >= 1),
                    context text NOT NULL,
                    started_at timestamptz NOT NULL
                )
                """,
                """
                CREATE TRIGGER victor_sessions_immutable BEFORE UPDATE ON victor_sessions
                FOR EACH ROW EXECUTE FUNCTION victor_refuse_update()
                """,
                // When any instance last served the session: an idle session expires everywhere.
                "ALTER TABLE victor_session_budgets ADD COLUMN last_seen timestamptz NOT NULL DEFAULT now()",
            ]
        ),
        Migration(
            version: 3,
            summary: "a key the instances share for outcome receipts",
            statements: [
                """
                CREATE TABLE victor_secrets (
                    name text COLLATE "C" PRIMARY KEY,
                    hex text NOT NULL CHECK (hex ~ '^[0-9a-f]{64}$')
                )
                """,
                // 64 hex digits from two version-4 UUIDs: 244 bits from the server's strong
                // random source (gen_random_uuid needs no extension from PostgreSQL 13 on).
                """
                INSERT INTO victor_secrets (name, hex)
                VALUES ('outcome_receipts', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
                """,
            ]
        ),
    ]

    /// The newest schema version this build knows.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies every migration the database lacks, in one transaction, once however many
    /// processes call this at the same time.
    /// - Parameter database: the store.
    /// - Returns: the versions this call applied (empty when the schema was current).
    /// - Throws: ``PostgresStoreError/Code/migration`` when a step fails (nothing is applied), or
    ///   when the database holds a newer schema than this build knows.
    @discardableResult
    public static func migrate(_ database: PostgresStore) async throws(PostgresStoreError) -> [Int] {
        let logger = database.logger
        do {
            return try await database.transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS victor_schema_migrations (
                        version integer PRIMARY KEY,
                        summary text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """,
                    logger: logger
                )
                var applied: Set<Int> = []
                for try await version in try await connection.query(
                    "SELECT version FROM victor_schema_migrations",
                    logger: logger
                ).decode(Int.self) {
                    applied.insert(version)
                }
                if let newest = applied.max(), newest > latestVersion {
                    throw PostgresStoreError(
                        .migration,
                        "the database's schema is at version \(newest), newer than this build's \(latestVersion)"
                    )
                }
                var done: [Int] = []
                for migration in migrations where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO victor_schema_migrations (version, summary) VALUES (\(migration.version), \(migration.summary))",
                        logger: logger
                    )
                    done.append(migration.version)
                }
                return done
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError(.migration, "cannot migrate the schema of \(database.url)", cause: error)
        }
    }

    /// The versions recorded as applied, in order.
    /// - Parameter database: the store.
    /// - Throws: ``PostgresStoreError/Code/query`` when they cannot be read.
    public static func appliedVersions(_ database: PostgresStore) async throws(PostgresStoreError) -> [Int] {
        do {
            return try await database.rows("SELECT version FROM victor_schema_migrations ORDER BY version").map {
                try $0.decode(Int.self)
            }
        } catch {
            throw PostgresStoreError(.query, "cannot read the schema version of \(database.url)", cause: error)
        }
    }
}
