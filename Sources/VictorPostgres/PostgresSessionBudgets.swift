import Logging
import PostgresNIO

/// Tool-call budgets shared by every instance on the database: one row per session in
/// `victor_session_budgets`, spent with a single conditional update.
///
/// ``spend(session:)`` runs `UPDATE … SET used = used + 1 WHERE session = $1 AND used <
/// max_calls`: the database serializes the updates of one row, so of any number of concurrent
/// spends on any number of instances exactly `max_calls` succeed. A session opened on one
/// instance and used on another spends one budget.
public struct PostgresSessionBudgets: Sendable {
    /// What a spend found.
    public enum Spend: Sendable, Hashable {
        /// The call was counted; `used` calls are spent now, of at most `limit` (`nil`: no limit).
        case allowed(used: Int, limit: Int?)
        /// The budget is spent; nothing was counted.
        case spent(limit: Int)
        /// No session of that id was opened.
        case unknownSession
    }

    let database: PostgresStore

    /// Creates the budgets over `database`, whose schema ``PostgresSchema/migrate(_:)`` has made.
    /// - Parameter database: the store's pool.
    public init(database: PostgresStore) {
        self.database = database
    }

    /// Opens a session's budget; opening an id that is open already keeps its count.
    /// - Parameters:
    ///   - session: the session's id.
    ///   - limit: the most calls the session may make; `nil` for no limit.
    /// - Throws: ``PostgresStoreError/Code/query`` when the database fails.
    public func open(session: String, limit: Int?) async throws(PostgresStoreError) {
        do {
            try await database.execute(
                "INSERT INTO victor_session_budgets (session, max_calls) VALUES (\(session), \(limit)) ON CONFLICT (session) DO NOTHING"
            )
        } catch {
            throw PostgresStoreError(.query, "cannot open the budget of session '\(session)'", cause: Cause(error))
        }
    }

    /// Spends one call of the session's budget if it has room, atomically across instances.
    /// - Parameter session: the session's id.
    /// - Returns: whether the call was counted.
    /// - Throws: ``PostgresStoreError/Code/query`` when the database fails; callers deny the call
    ///   then, never allow it.
    public func spend(session: String) async throws(PostgresStoreError) -> Spend {
        do {
            let rows = try await database.rows(
                """
                UPDATE victor_session_budgets SET used = used + 1, last_seen = now()
                WHERE session = \(session) AND (max_calls IS NULL OR used < max_calls)
                RETURNING used, max_calls
                """
            )
            if let row = rows.first {
                let (used, limit) = try row.decode((Int, Int?).self)
                return .allowed(used: used, limit: limit)
            }
            let limits = try await database.rows(
                "SELECT max_calls FROM victor_session_budgets WHERE session = \(session)"
            )
            guard let row = limits.first else { return .unknownSession }
            return .spent(limit: try row.decode(Int?.self) ?? 0)
        } catch {
            throw PostgresStoreError(
                .query,
                "cannot spend from the budget of session '\(session)'",
                cause: Cause(error)
            )
        }
    }

    /// The calls the session has spent and its limit, or `nil` when no such session was opened.
    /// - Parameter session: the session's id.
    /// - Throws: ``PostgresStoreError/Code/query`` when the database fails.
    public func usage(session: String) async throws(PostgresStoreError) -> (used: Int, limit: Int?)? {
        do {
            let rows = try await database.rows(
                "SELECT used, max_calls FROM victor_session_budgets WHERE session = \(session)"
            )
            guard let row = rows.first else { return nil }
            let (used, limit) = try row.decode((Int, Int?).self)
            return (used, limit)
        } catch {
            throw PostgresStoreError(.query, "cannot read the budget of session '\(session)'", cause: Cause(error))
        }
    }
}
