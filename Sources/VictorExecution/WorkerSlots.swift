import DequeModule
import VictorLocks

/// The executor-wide worker slots that make ``ExecutorConfiguration/maxWorkers`` a bound on the
/// whole executor, not on each run: a worker loop runs only while it holds a slot, so
/// concurrent runs share the executor's `maxWorkers` and together never exceed it.
///
/// A worker that finds no free slot waits in FIFO order; a released slot passes straight to
/// the first waiter. Waits end early, without a slot, when the waiter's run has no work left
/// (``abandon(runID:)``) or its task is cancelled.
@usableFromInline
final class WorkerSlots: Sendable {
    struct Waiter: Sendable {
        let id: UInt64
        let runID: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    struct State: Sendable {
        let capacity: Int
        var free: Int
        var nextWaiterID: UInt64 = 0
        var waiters: Deque<Waiter> = []

        /// The rules between transitions: free slots within `0...capacity`, and no worker
        /// waiting while a slot is free (a released slot passes straight to a waiter).
        func brokenInvariants() -> [String] {
            var broken: [String] = []
            if free < 0 || free > capacity { broken.append("\(free) free slots of \(capacity)") }
            if free > 0 && !waiters.isEmpty { broken.append("\(waiters.count) waiting while \(free) slots are free") }
            return broken
        }

        func assertInvariants(_ transition: @autoclosure () -> String) {
            #if DEBUG
            let broken = brokenInvariants()
            assert(broken.isEmpty, "after \(transition()): \(broken.joined(separator: "; "))")
            #endif
        }
    }

    let state: Locked<State>

    init(capacity: Int) {
        state = Locked(State(capacity: capacity, free: capacity))
    }

    /// Free slots now, and workers waiting for one.
    var snapshot: (free: Int, waiting: Int) { state.withLock { ($0.free, $0.waiters.count) } }

    /// Takes a slot, waiting for one if none is free.
    /// - Returns: `true` with a slot to ``release()``; `false` without one, when the wait was
    ///   abandoned or the calling task was cancelled.
    @usableFromInline
    func acquire(runID: UInt64) async -> Bool {
        let waiterID = state.withLock { state -> UInt64? in
            defer { state.assertInvariants("acquiring a slot") }
            if state.free > 0 {
                state.free -= 1
                return nil
            }
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        guard let waiterID else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLock { state -> Bool? in
                    if state.free > 0 {
                        state.free -= 1
                        return true
                    }
                    // The cancellation flag is set before the handler runs, so a handler that ran
                    // before this point (and found nothing to remove) is seen here.
                    if Task.isCancelled { return false }
                    state.waiters.append(Waiter(id: waiterID, runID: runID, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let position = state.waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
                return state.waiters.remove(at: position)
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Returns a slot: to the first waiter if there is one, else to the free pool.
    @usableFromInline
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            defer { state.assertInvariants("releasing a slot") }
            guard !state.waiters.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }

    /// Runs `body` while holding a slot, inside ``WorkerContext/executor`` set to `executor`.
    /// - Returns: what `body` returned, or `nil` when no slot was obtained (see ``acquire(runID:)``).
    @usableFromInline
    func holdingSlot(
        runID: UInt64,
        executor: ObjectIdentifier,
        _ body: () async -> WorkerTotals
    ) async -> WorkerTotals? {
        guard await acquire(runID: runID) else { return nil }
        defer { release() }
        return await WorkerContext.$executor.withValue(executor) { await body() }
    }

    /// Ends the waits of run `runID`'s workers without a slot: its queue is empty.
    @usableFromInline
    func abandon(runID: UInt64) {
        let abandoned = state.withLock { state -> [Waiter] in
            guard state.waiters.contains(where: { $0.runID == runID }) else { return [] }
            let mine = Array(state.waiters.filter { $0.runID == runID })
            state.waiters.removeAll { $0.runID == runID }
            return mine
        }
        for waiter in abandoned { waiter.continuation.resume(returning: false) }
    }
}

/// Marks the tasks that run inside an executor's worker slot, so that a run started from one of
/// them does not wait for a second slot of the same executor (which could deadlock when every
/// slot is held by a task waiting for its nested run).
enum WorkerContext {
    @TaskLocal static var executor: ObjectIdentifier?

    /// Whether the current task runs inside a worker slot of `executor`.
    @usableFromInline
    static func isInside(_ executor: ObjectIdentifier) -> Bool {
        self.executor == executor
    }
}
