public import HeapModule

/// A queued task in a priority run: higher priority first, lower input position among equals.
@usableFromInline
struct QueuedTask: Comparable, Sendable {
    @usableFromInline let priority: Int
    @usableFromInline let index: Int

    @inlinable
    init(priority: Int, index: Int) {
        self.priority = priority
        self.index = index
    }

    @inlinable
    static func < (lhs: QueuedTask, rhs: QueuedTask) -> Bool {
        lhs.priority != rhs.priority ? lhs.priority < rhs.priority : lhs.index > rhs.index
    }
}

/// Why a run stopped handing out tasks before its queue was empty.
@usableFromInline
enum StopReason: Equatable, Sendable {
    case cancelled
    case failFast(Int)
}

/// One run's shared state as a value: the queue, the results, the in-flight counters. Every
/// method is synchronous and free of side effects beyond `self`; workers call them under the
/// run's lock and execute task bodies outside it.
///
/// The queue of a run without priorities is its input order, so it is a cursor over the input
/// rather than a copy of it; with priorities it is a `Heap`.
///
/// Workers take tasks in claims (``claim(cancelled:limit:workers:)``): usually one task, or,
/// for tasks too short to pay a lock round-trip each, a run of consecutive ones that the worker
/// runs one after another and reports at once. A claim is open from its hand-out until
/// ``closeClaim(returning:)``; its worker runs one task at a time, so open claims bound the
/// tasks running at once, and their peak is ``peakInFlight``.
@usableFromInline
struct RunState<Value: Sendable>: Sendable {
    @usableFromInline var cursor = 0
    @usableFromInline var heap: Heap<QueuedTask>?
    @usableFromInline let total: Int
    @usableFromInline let failFast: Bool
    @usableFromInline var results: [Result<Value, ExecutionError>?]
    /// Tasks handed out.
    @usableFromInline var dispatched = 0
    /// Tasks handed out, neither recorded nor given back.
    @usableFromInline var inFlight = 0
    /// Tasks handed out in a claim and given back unstarted, because the run stopped.
    @usableFromInline var returned = 0
    /// Claims handed out and not yet closed: each runs one task at a time.
    @usableFromInline var openClaims = 0
    /// The most claims open at once: the most tasks that could run at once.
    @usableFromInline var peakInFlight = 0
    @usableFromInline var completed = 0
    @usableFromInline var failed = 0
    @usableFromInline var timedOut = 0
    @usableFromInline var stop: StopReason?

    /// - Parameters:
    ///   - priorities: each task's priority, or `nil` when all are equal (FIFO).
    ///   - total: the number of tasks.
    ///   - failFast: whether the first failure stops the run.
    /// - Complexity: O(n).
    @inlinable
    init(priorities: [Int]?, total: Int, failFast: Bool) {
        self.total = total
        self.failFast = failFast
        results = Array(repeating: nil, count: total)
        if let priorities {
            heap = Heap(priorities.enumerated().map { QueuedTask(priority: $1, index: $0) })
        }
    }

    /// The next task to start, in a claim of its own, or `nil` when the queue is empty or the
    /// run has stopped. Passing `cancelled: true` stops the run: no further task starts.
    /// - Complexity: O(1) in input order, O(log n) with priorities.
    @inlinable
    mutating func next(cancelled: Bool) -> Int? {
        claim(cancelled: cancelled, limit: 1, workers: 1)?.lowerBound
    }

    /// Opens a claim: the next tasks to start, consecutive in the queue's order, or `nil` when
    /// the queue is empty or the run has stopped. Passing `cancelled: true` stops the run.
    ///
    /// A claim takes up to `limit` tasks, and at most a quarter of a fair share of what is
    /// queued (`queued / (4 × workers)`), so claims shrink to one task as the queue empties and
    /// no worker sits on tasks the others could run (guided self-scheduling). A run with
    /// priorities hands out one task at a time, so a task never starts before a higher one.
    /// - Complexity: O(1) in input order, O(log n) with priorities.
    @inlinable
    mutating func claim(cancelled: Bool, limit: Int, workers: Int) -> Range<Int>? {
        if cancelled, stop == nil { stop = .cancelled }
        guard stop == nil, dispatched < total else { return nil }
        let claimed: Range<Int>
        if heap != nil {
            let index = heap!.popMax()!.index
            claimed = index..<index + 1
        } else {
            let share = (total - dispatched) / (4 * max(1, workers))
            let count = max(1, min(limit, share))
            claimed = cursor..<cursor + count
            cursor += count
        }
        dispatched += claimed.count
        inFlight += claimed.count
        openClaims += 1
        if openClaims > peakInFlight { peakInFlight = openClaims }
        assertInvariants("handing out tasks \(claimed)")
        return claimed
    }

    /// Records the result of a task handed out by ``next(cancelled:)`` and closes its claim.
    /// - Returns: the progress after it, and whether this failure stopped the run (fail-fast).
    /// - Complexity: O(1).
    @inlinable
    mutating func finish(_ index: Int, _ outcome: Result<Value, ExecutionError>) -> (ExecutionProgress, Bool) {
        let finished = record(index, outcome)
        closeClaim(returning: 0)
        return finished
    }

    /// Records the result of a task of an open claim; the claim stays open until
    /// ``closeClaim(returning:)``.
    /// - Returns: the progress after it, and whether this failure stopped the run (fail-fast).
    /// - Complexity: O(1).
    @inlinable
    mutating func record(_ index: Int, _ outcome: Result<Value, ExecutionError>) -> (ExecutionProgress, Bool) {
        inFlight -= 1
        completed += 1
        var stopped = false
        if case .failure(let error) = outcome {
            failed += 1
            if error.code == .timedOut { timedOut += 1 }
            if failFast, stop == nil {
                stop = .failFast(index)
                stopped = true
            }
        }
        results[index] = outcome
        assertInvariants("finishing task \(index)")
        return (ExecutionProgress(index: index, completed: completed, failed: failed, total: total), stopped)
    }

    /// Closes a claim whose tasks are recorded but the last `unstarted`, which the worker gives
    /// back without starting them because the run stopped: they never start, and
    /// ``close()`` reports them as not started.
    /// - Complexity: O(1).
    @inlinable
    mutating func closeClaim(returning unstarted: Int) {
        openClaims -= 1
        inFlight -= unstarted
        returned += unstarted
        assertInvariants("closing a claim, \(unstarted) task(s) given back")
    }

    /// Every task's result in input order, a ``ExecutionError/Code/notStarted`` failure for each
    /// task that never started. Call once every worker has returned.
    /// - Complexity: O(n).
    @inlinable
    func close() -> [Result<Value, ExecutionError>] {
        var closed: [Result<Value, ExecutionError>] = []
        closed.reserveCapacity(total)
        for (index, result) in results.enumerated() {
            if let result {
                closed.append(result)
                continue
            }
            closed.append(.failure(Self.notStarted(index, stop)))
        }
        return closed
    }

    /// The failure recorded for task `index`, which never started because of `stop`.
    @inlinable
    static func notStarted(_ index: Int, _ stop: StopReason?) -> ExecutionError {
        let why =
            switch stop {
            case .failFast(let failed): "task \(failed) failed and fail-fast stopped the run"
            case .cancelled, nil: "the run was cancelled"
            }
        return ExecutionError(.notStarted, "task \(index) never started: \(why)", taskIndex: index)
    }
}
