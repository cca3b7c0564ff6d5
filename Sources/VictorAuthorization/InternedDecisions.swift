import VictorLocks

/// Decisions interned one per distinct reason and source, up to a capacity, and never freed.
///
/// A check returns a decision its configuration built ahead of time. Were that decision reference
/// counted, every check returning it would write its count, and checks on two cores would take
/// turns owning that one cache line: they would not scale. An interned decision is never freed,
/// so ``Decision`` references it without a count.
///
/// Reloading a configuration finds the decisions it had already interned: the table grows with
/// the distinct roles, permissions and policies a process has ever compiled, not with reloads.
/// Past ``capacity`` entries, a decision not yet interned is made ordinary and reference counted:
/// as correct, freed with the last configuration using it, but counted on every check.
struct DecisionInterner: ~Copyable {
    /// The most decisions interned.
    let capacity: Int
    private var table: [Key: Unmanaged<Decision.Storage>] = [:]

    private struct Key: Hashable {
        let reason: Decision.Reason
        let source: Decision.Source
    }

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// How many decisions are interned.
    var count: Int { table.count }

    /// The interned decision for `reason` and `source`, interned now if it is new and there is
    /// room; otherwise an ordinary decision. Either way its message is written once, now.
    mutating func decision(_ reason: Decision.Reason, _ source: Decision.Source) -> Decision {
        let key = Key(reason: reason, source: source)
        if let storage = table[key] { return Decision(interned: storage) }
        let storage = Decision.Storage(reason: reason, decidedBy: source, precomputeMessage: true)
        guard table.count < capacity else { return Decision(owning: storage) }
        // Retained once and never released: the table owns it for the life of the process.
        let interned = Unmanaged.passRetained(storage)
        table[key] = interned
        return Decision(interned: interned)
    }
}

/// A table of interned decisions shared by every configuration compiled against it.
final class InternedDecisionTable: Sendable {
    private let interner: Locked<DecisionInterner>

    /// Creates an empty table holding at most `capacity` decisions.
    init(capacity: Int) {
        interner = Locked(DecisionInterner(capacity: capacity))
    }

    /// How many decisions are interned.
    var count: Int { interner.withLock { $0.count } }

    /// ``DecisionInterner/decision(_:_:)`` on this table.
    func decision(_ reason: Decision.Reason, _ source: Decision.Source) -> Decision {
        interner.withLock { $0.decision(reason, source) }
    }
}

/// The interned decisions that configurations compile against.
enum InternedDecisions {
    /// At most this many distinct decisions are interned. One takes about 500 bytes besides its
    /// names (a role grant with names of 15 to 25 bytes took 525), so the table stays under
    /// about 10 MB however many configurations a process compiles.
    static let capacity = 16_384

    /// The process's table, which every authorizer's compiled configuration uses.
    static let process = InternedDecisionTable(capacity: capacity)

    /// The table a compilation in this task uses: the process's, unless a test gives a task its
    /// own so that what other tests compiled (and how full they left the process's table) cannot
    /// change what it observes.
    @TaskLocal static var current: InternedDecisionTable = process

    /// ``DecisionInterner/decision(_:_:)`` on the current table.
    static func decision(_ reason: Decision.Reason, _ source: Decision.Source) -> Decision {
        current.decision(reason, source)
    }
}
