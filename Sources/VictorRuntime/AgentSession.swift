public import Foundation
import Synchronization
public import VictorAuthorization
public import VictorPersonas

/// The facts a session fixes when it opens: who the agent acts for, under which persona and
/// version, since when. Tools and audit records read them; nothing changes them.
public struct SessionFacts: Sendable, Hashable {
    /// The session's id (a UUID unless the host gave one).
    public let id: String
    /// The user the agent acts for, in NFC.
    public let user: String
    /// The persona's id.
    public let personaID: String
    /// The persona version the session adapted.
    public let personaVersion: Int
    /// When the session opened.
    public let startedAt: Date

    /// Creates facts, for a session opened again from where another process recorded them
    /// (``AgentRuntime/restoreSession(_:context:used:)``).
    /// - Parameters:
    ///   - id: the session's id.
    ///   - user: the user the agent acts for.
    ///   - personaID: the persona's id.
    ///   - personaVersion: the persona version the session adapted.
    ///   - startedAt: when the session opened.
    public init(id: String, user: String, personaID: String, personaVersion: Int, startedAt: Date) {
        self.id = id
        self.user = user
        self.personaID = personaID
        self.personaVersion = personaVersion
        self.startedAt = startedAt
    }
}

/// An agent's session: a user, a persona adapted once to the session's context, the facts
/// policies read, and the tool-call budget.
///
/// Sessions are opened by ``AgentRuntime/openSession(user:persona:context:id:)``. The budget
/// (the persona's `max_tool_calls`) counts allowed calls atomically: among any number of
/// concurrent calls, exactly the budget's worth are allowed.
public final class AgentSession: Sendable {
    /// The session's fixed facts.
    public let facts: SessionFacts
    /// The persona, adapted to the session's context once.
    public let persona: AdaptedPersona
    /// What `context.NAME` conditions read for every call of the session: the context the
    /// session was opened with, plus `persona`, `persona_version` and `session`.
    public let policyContext: [String: AttributeValue]
    /// ``policyContext`` normalized once, for every check of the session.
    let normalizedContext: NormalizedContext
    /// The user, hashed once for every policy check of the session.
    let preparedUser: PreparedUser
    /// The persona's forbidden tools and allow-list, in the form the gate reads per call.
    let forbiddenTools: ToolNames
    let allowedTools: ToolNames?
    let budget: ToolCallBudget

    init(facts: SessionFacts, persona: AdaptedPersona, policyContext: [String: AttributeValue], budget: ToolCallBudget)
    {
        self.facts = facts
        self.persona = persona
        self.policyContext = policyContext
        normalizedContext = NormalizedContext(policyContext)
        preparedUser = PreparedUser(facts.user)
        forbiddenTools = ToolNames(persona.constraints.forbiddenTools)
        allowedTools = persona.constraints.allowedTools.map(ToolNames.init)
        self.budget = budget
    }

    /// The session's id.
    public var id: String { facts.id }
    /// The most calls the session may make; `nil` when the persona sets no limit.
    public var maxToolCalls: Int? { budget.limit }
    /// Calls allowed so far.
    public var callsAllowed: Int { budget.used }
    /// Calls still allowed; `nil` when there is no limit.
    public var remainingCalls: Int? { budget.remaining }
}

/// Tool names in NFC, scanned while few: a persona names a handful of tools, and comparing a
/// few short names costs less than hashing one.
struct ToolNames: Sendable {
    private let few: [String]
    private let many: Set<String>?

    init(_ names: Set<String>) {
        if names.count <= 8 {
            few = Array(names)
            many = nil
        } else {
            few = []
            many = names
        }
    }

    func contains(_ name: String) -> Bool {
        if let many { return many.contains(name) }
        // Both sides are in NFC, where `==` (canonical equivalence) is equality of scalars.
        for candidate in few where candidate == name { return true }
        return false
    }
}

/// A count of allowed calls against an optional limit, safe under any concurrency.
///
/// This process's count is an atomic. With a ``SharedBudget`` the database's row is the judge
/// and this count follows it (``observe(used:)``), so listing tools and the budget step read a
/// count that is never ahead of the truth.
final class ToolCallBudget: Sendable {
    let limit: Int?
    private let spent: Atomic<Int>

    init(limit: Int?, used: Int = 0) {
        self.limit = limit
        spent = Atomic(used)
    }

    var used: Int { spent.load(ordering: .relaxed) }

    var remaining: Int? { limit.map { max(0, $0 - used) } }

    /// Whether a call could still be allowed; a later ``reserve()`` decides.
    var hasRoom: Bool {
        guard let limit else { return true }
        return spent.load(ordering: .relaxed) < limit
    }

    /// Raises the count to `used` when another process has spent more than this one knows.
    func observe(used: Int) {
        var current = spent.load(ordering: .relaxed)
        while current < used {
            let (exchanged, original) = spent.compareExchange(expected: current, desired: used, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Spends one call if the budget has room.
    /// - Returns: whether the call was counted.
    func reserve() -> Bool {
        guard let limit else {
            spent.add(1, ordering: .relaxed)
            return true
        }
        var current = spent.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = spent.compareExchange(
                expected: current,
                desired: current + 1,
                ordering: .relaxed
            )
            if exchanged { return true }
            current = original
        }
        return false
    }
}
