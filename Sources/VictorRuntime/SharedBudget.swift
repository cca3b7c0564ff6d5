/// A session budget kept outside this process, so that every instance serving a session spends
/// from one count: of any number of concurrent spends anywhere, exactly the limit's worth succeed.
///
/// ``AgentRuntime/authorize(_:in:budget:)`` asks it only after every other step has allowed the
/// call, and only for sessions with a limit. A failure to reach it denies the call.
public protocol SharedBudget: Sendable {
    /// Spends one call of session `session`'s budget if it has room, atomically.
    /// - Parameter session: the session's id.
    /// - Returns: what the spend found.
    /// - Throws: when the budget cannot be read; the call is denied then, never allowed.
    func spend(session: String) async throws -> SharedBudgetSpend
}

/// What spending from a ``SharedBudget`` found.
public enum SharedBudgetSpend: Sendable, Hashable {
    /// The call was counted; `used` calls are spent now, this one included.
    case allowed(used: Int)
    /// The budget is spent; nothing was counted.
    case spent
    /// The budget does not know the session.
    case unknownSession
}
