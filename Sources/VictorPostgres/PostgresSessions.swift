public import Foundation
import PostgresNIO
import VictorTelemetry

/// Sessions every instance on the database can serve: a session opened on one instance is found
/// by the others, with the facts it fixed and the one budget they all spend from
/// (``PostgresSessionBudgets``).
///
/// A session's row is written once, with its budget, in one transaction, and never changed.
public struct PostgresSessions: Sendable {
    /// What a session fixed when it opened.
    public struct Record: Sendable, Hashable {
        /// The session's id.
        public var id: String
        /// The user the agent acts for.
        public var user: String
        /// The persona's id.
        public var persona: String
        /// The persona version the session adapted.
        public var personaVersion: Int
        /// The session's context as a JSON object, as the instance that opened it wrote it.
        public var context: String
        /// When the session opened.
        public var startedAt: Date
        /// The most calls the session may make; `nil` for no limit.
        public var maxCalls: Int?

        /// Creates a record.
        /// - Parameters:
        ///   - id: the session's id.
        ///   - user: the user the agent acts for.
        ///   - persona: the persona's id.
        ///   - personaVersion: the persona version the session adapted.
        ///   - context: the context as a JSON object.
        ///   - startedAt: when the session opened.
        ///   - maxCalls: the most calls the session may make; `nil` for no limit.
        public init(
            id: String,
            user: String,
            persona: String,
            personaVersion: Int,
            context: String,
            startedAt: Date,
            maxCalls: Int?
        ) {
            self.id = id
            self.user = user
            self.persona = persona
            self.personaVersion = personaVersion
            self.context = context
            self.startedAt = startedAt
            self.maxCalls = maxCalls
        }
    }

    let database: PostgresStore

    /// Creates the sessions over `database`, whose schema ``PostgresSchema/migrate(_:)`` has made.
    /// - Parameter database: the store's pool.
    public init(database: PostgresStore) {
        self.database = database
    }

    /// Records a new session and opens its budget, both or neither.
    /// - Parameter record: the session.
    /// - Throws: ``PostgresStoreError/Code/conflict`` when a session of that id exists;
    ///   ``PostgresStoreError/Code/query`` when the database fails.
    public func open(_ record: Record) async throws(PostgresStoreError) {
        do {
            try await database.transaction { connection in
                let inserted = try await connection.rows(
                    """
                    INSERT INTO victor_sessions (id, user_name, persona, persona_version, context, started_at)
                    VALUES (\(record.id), \(record.user), \(record.persona), \(record.personaVersion),
                            \(record.context), \(record.startedAt))
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """,
                    logger: database.logger
                )
                guard !inserted.isEmpty else {
                    throw PostgresStoreError(.conflict, "a session with id '\(record.id)' exists already")
                }
                try await connection.query(
                    "INSERT INTO victor_session_budgets (session, max_calls) VALUES (\(record.id), \(record.maxCalls))",
                    logger: database.logger
                )
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError(.query, "cannot record session '\(record.id)'", cause: Cause(error))
        }
    }

    /// The session `id` and the calls it has spent, or `nil` when no instance opened it or it
    /// has been idle (no instance marked it ``touch(_:)``, and no call was counted) for longer
    /// than `idleTimeout`, by the database's clock.
    /// - Parameters:
    ///   - id: the session's id.
    ///   - idleTimeout: how long a session may go unused; `nil` for no limit.
    /// - Throws: ``PostgresStoreError/Code/query`` when the database fails.
    public func session(
        _ id: String,
        idleTimeout: Duration? = nil
    ) async throws(PostgresStoreError) -> (record: Record, used: Int)? {
        let milliseconds = idleTimeout.map { $0.totalNanoseconds / 1_000_000 }
        do {
            let rows = try await database.rows(
                """
                SELECT s.user_name, s.persona, s.persona_version, s.context, s.started_at, b.max_calls, b.used
                FROM victor_sessions s JOIN victor_session_budgets b ON b.session = s.id
                WHERE s.id = \(id)
                  AND (\(milliseconds)::bigint IS NULL OR b.last_seen > now() - \(milliseconds)::bigint * interval '1 millisecond')
                """
            )
            guard let row = rows.first else { return nil }
            let (user, persona, version, context, startedAt, maxCalls, used) = try row.decode(
                (String, String, Int, String, Date, Int?, Int).self
            )
            return (
                Record(
                    id: id,
                    user: user,
                    persona: persona,
                    personaVersion: version,
                    context: context,
                    startedAt: startedAt,
                    maxCalls: maxCalls
                ),
                used
            )
        } catch {
            throw PostgresStoreError(.query, "cannot read session '\(id)'", cause: Cause(error))
        }
    }

    /// Marks session `id` as used now, so that it does not expire while any instance serves it.
    /// - Parameter id: the session's id.
    /// - Throws: ``PostgresStoreError/Code/query`` when the database fails.
    public func touch(_ id: String) async throws(PostgresStoreError) {
        do {
            try await database.execute(
                "UPDATE victor_session_budgets SET last_seen = now() WHERE session = \(id)"
            )
        } catch {
            throw PostgresStoreError(.query, "cannot mark session '\(id)' as used", cause: Cause(error))
        }
    }

    /// The key every instance seals and opens outcome receipts with: 32 bytes made when the
    /// schema was created (migration 3), the same for every instance on the database.
    /// - Throws: ``PostgresStoreError/Code/query`` when the database fails or holds no key.
    public func receiptKey() async throws(PostgresStoreError) -> [UInt8] {
        let hex: String?
        do {
            hex = try await database.rows("SELECT hex FROM victor_secrets WHERE name = 'outcome_receipts'")
                .first?.decode(String.self)
        } catch {
            throw PostgresStoreError(.query, "cannot read the outcome receipt key", cause: Cause(error))
        }
        guard let hex, hex.utf8.count == 64 else {
            throw PostgresStoreError(.query, "the database holds no outcome receipt key (victor_secrets)")
        }
        var bytes: [UInt8] = []
        var digits = hex.utf8.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            guard let byte = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                throw PostgresStoreError(.query, "the outcome receipt key in victor_secrets is not hex")
            }
            bytes.append(byte)
        }
        return bytes
    }
}
