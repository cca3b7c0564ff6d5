import HeapModule

/// Deadlines waiting to pass, in the order they pass: the pure state of ``DeadlineTimer``.
///
/// One timer serves every deadline. It is armed for the earliest, and re-armed only when a
/// deadline earlier than the armed one arrives, or when it fires; in the usual case (every task
/// with the same timeout) a new deadline is later than the armed one and costs no timer call.
/// A deadline removed before it passes (the task finished in time) leaves its heap entry behind,
/// skipped when it surfaces; the heap is rebuilt from the pending deadlines once such entries
/// outnumber them, so it stays within a constant factor of the pending count.
///
/// Times are nanoseconds of one monotonic clock; the schedule never reads a clock itself.
@usableFromInline
struct DeadlineSchedule<Action> {
    struct Entry: Comparable {
        let deadline: UInt64
        let token: UInt64

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadline, lhs.token) < (rhs.deadline, rhs.token)
        }
    }

    private(set) var heap = Heap<Entry>()
    /// Entries in the heap, removed deadlines' among them.
    var heapCount: Int { heap.count }
    /// The deadlines not yet passed nor removed, by token.
    private(set) var pending: [UInt64: (deadline: UInt64, action: Action)] = [:]
    private var lastToken: UInt64 = 0
    /// The time the timer is armed for; `nil` while it is not armed.
    private(set) var armed: UInt64?

    /// Heap entries beyond this many over twice the pending count trigger a rebuild.
    static var slack: Int { 64 }

    init() {}

    /// Schedules `action` for `deadline`.
    /// - Returns: the token that removes it, and the time to arm the timer for when the timer
    ///   must be re-armed (`nil` when it is already armed for that time or earlier).
    mutating func add(_ action: Action, at deadline: UInt64) -> (token: UInt64, arm: UInt64?) {
        lastToken += 1
        pending[lastToken] = (deadline, action)
        heap.insert(Entry(deadline: deadline, token: lastToken))
        guard armed.map({ deadline < $0 }) ?? true else { return (lastToken, nil) }
        armed = deadline
        return (lastToken, deadline)
    }

    /// Removes the deadline `token` before it passes.
    /// - Returns: `false` when it had already passed, its action handed out by ``expire(now:)``.
    mutating func remove(_ token: UInt64) -> Bool {
        guard pending.removeValue(forKey: token) != nil else { return false }
        if heap.count > 2 * pending.count + Self.slack {
            heap = Heap(pending.map { Entry(deadline: $0.value.deadline, token: $0.key) })
        }
        return true
    }

    /// Removes and returns the actions whose deadline is `now` or earlier, in deadline order.
    /// - Returns: those actions, and the time to arm the timer for next (`nil`: nothing is
    ///   pending, leave it unarmed).
    mutating func expire(now: UInt64) -> (actions: [Action], arm: UInt64?) {
        var due: [Action] = []
        while let first = heap.min, first.deadline <= now || pending[first.token] == nil {
            heap.removeMin()
            if let entry = pending.removeValue(forKey: first.token) { due.append(entry.action) }
        }
        armed = heap.min?.deadline
        return (due, armed)
    }
}
