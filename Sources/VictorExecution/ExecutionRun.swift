public import Synchronization
public import VictorEvents
public import VictorLocks
public import VictorTelemetry

/// What one worker did: time in task bodies, time between them, whether it stopped the run.
@usableFromInline
struct WorkerTotals: Sendable {
    @usableFromInline var busyNanoseconds: UInt64 = 0
    @usableFromInline var dispatchNanoseconds: UInt64 = 0
    @usableFromInline var stoppedRun = false
    /// Worker loops that ran (held a slot).
    @usableFromInline var workers = 0

    @inlinable
    init() {}

    @inlinable
    mutating func add(_ other: WorkerTotals) {
        busyNanoseconds += other.busyNanoseconds
        dispatchNanoseconds += other.dispatchNanoseconds
        stoppedRun = stoppedRun || other.stoppedRun
        workers += other.workers
    }
}

/// Thrown by the timer of a task with a timeout; never escapes the executor.
@usableFromInline
struct TimeoutSignal: Error {
    @inlinable
    init() {}
}

/// One run: its tasks, its locked ``RunState``, and the worker loop that drains it.
///
/// Everything here is inlinable so that it is specialized for the caller's `Value`.
@usableFromInline
final class Run<Value: Sendable>: Sendable {
    @usableFromInline let runID: UInt64
    @usableFromInline let tasks: [ExecutionTask<Value>]
    @usableFromInline let state: Locked<RunState<Value>>
    @usableFromInline let timeout: Duration?
    @usableFromInline let progress: (@Sendable (ExecutionProgress) -> Void)?
    @usableFromInline let bus: EventBus?
    /// The executor's slots, or `nil` for a run nested in one of the executor's own tasks,
    /// which runs in that task's slot.
    @usableFromInline let slots: WorkerSlots?
    @usableFromInline let executor: ObjectIdentifier
    /// The most tasks a worker claims at once (see ``RunState/claim(cancelled:limit:workers:)``).
    @usableFromInline let claimLimit: Int
    /// The workers the run was decided for, which the claims' size shares the queue among.
    @usableFromInline let workers: Int
    /// Set once the run has stopped (fail-fast), so that workers running a claim of several
    /// tasks start no more of them without waiting for the lock.
    @usableFromInline let halted = Atomic<Bool>(false)
    @usableFromInline let failFast: Bool

    @inlinable
    init(
        runID: UInt64,
        slots: WorkerSlots?,
        executor: ObjectIdentifier,
        tasks: [ExecutionTask<Value>],
        failFast: Bool,
        timeout: Duration?,
        progress: (@Sendable (ExecutionProgress) -> Void)?,
        bus: EventBus?,
        claimLimit: Int = 1,
        workers: Int = 1
    ) {
        self.runID = runID
        self.claimLimit = claimLimit
        self.workers = workers
        self.failFast = failFast
        self.tasks = tasks
        let first = tasks.first?.priority ?? 0
        let prioritized = tasks.contains { $0.priority != first }
        state = Locked(
            RunState(priorities: prioritized ? tasks.map(\.priority) : nil, total: tasks.count, failFast: failFast)
        )
        self.timeout = timeout
        self.progress = progress
        self.bus = bus
        self.slots = slots
        self.executor = executor
    }

    /// Runs `workers` worker loops as child tasks; when one stops the run (fail-fast), cancels
    /// the others so their running tasks see cancellation.
    @inlinable
    func work(on workers: Int) async -> WorkerTotals {
        await withTaskGroup(of: WorkerTotals.self) { group in
            for _ in 0..<workers {
                group.addTask { await self.workInSlot() }
            }
            var sum = WorkerTotals()
            for await worker in group {
                sum.add(worker)
                if worker.stoppedRun { group.cancelAll() }
            }
            return sum
        }
    }

    /// One worker: takes an executor slot (waiting for one if all are held by other runs), runs
    /// the worker loop, and returns the slot.
    @inlinable
    func workInSlot() async -> WorkerTotals {
        guard let slots, !tasks.isEmpty else {
            var totals = await work()
            totals.workers = 1
            return totals
        }
        var totals = await slots.holdingSlot(runID: runID, executor: executor) { await self.work() }
        totals?.workers = 1
        return totals ?? WorkerTotals()
    }

    /// The worker loop: record the previous claim's results and take the next claim in one
    /// lock round-trip, run the claim's tasks outside the lock, one after another, repeat until
    /// the queue is empty or the run stops. Within a claim, a task starts only if the run has
    /// not stopped and the worker is not cancelled; a failure under fail-fast ends the claim
    /// at once, so that the run stops without waiting for the rest of it. Returns when its last
    /// task has been recorded.
    @inlinable
    func work() async -> WorkerTotals {
        var totals = WorkerTotals()
        var claim: Range<Int>? = nil
        var outcomes: [Result<Value, ExecutionError>] = []
        if claimLimit > 1 { outcomes.reserveCapacity(claimLimit) }
        var lastEnd = MonotonicClock.nanoseconds()
        while true {
            let cancelled = Task.isCancelled
            let (next, stopped) = state.withLock { state -> (Range<Int>?, Bool) in
                var stopped = false
                if let claim {
                    for (offset, outcome) in outcomes.enumerated() {
                        let (report, stoppedHere) = state.record(claim.lowerBound + offset, outcome)
                        progress?(report)
                        stopped = stopped || stoppedHere
                    }
                    state.closeClaim(returning: claim.count - outcomes.count)
                }
                return (state.claim(cancelled: cancelled, limit: claimLimit, workers: workers), stopped)
            }
            for case .failure(let error) in outcomes { announceFailure(error, runID: runID, bus: bus) }
            if stopped {
                halted.store(true, ordering: .relaxed)
                totals.stoppedRun = true
            }
            guard let next else { break }
            outcomes.removeAll(keepingCapacity: true)
            let start = MonotonicClock.nanoseconds()
            totals.dispatchNanoseconds += start - lastEnd
            for index in next {
                if index != next.lowerBound, halted.load(ordering: .relaxed) || Task.isCancelled { break }
                let outcome = await execute(index)
                outcomes.append(outcome)
                if failFast, case .failure = outcome { break }
            }
            lastEnd = MonotonicClock.nanoseconds()
            totals.busyNanoseconds += lastEnd - start
            claim = next
        }
        totals.dispatchNanoseconds += MonotonicClock.nanoseconds() - lastEnd
        // Nothing left to hand out: siblings still waiting for a slot need not wait on.
        slots?.abandon(runID: runID)
        return totals
    }

    /// Runs task `index`'s body once and classifies how it ended.
    @inlinable
    func execute(_ index: Int) async -> Result<Value, ExecutionError> {
        await Self.execute(tasks[index].body, index: index, timeout: timeout)
    }

    /// Runs `body`, task `index` of its run, once and classifies how it ended.
    @inlinable
    static func execute(
        _ body: @escaping @Sendable () async throws -> Value,
        index: Int,
        timeout: Duration?
    ) async -> Result<Value, ExecutionError> {
        do {
            if let timeout {
                return .success(try await withTimeout(timeout, body))
            }
            return .success(try await body())
        } catch {
            return .failure(classify(error, index: index, timeout: timeout))
        }
    }

    /// Runs `body` in a task of its own with a deadline, counted from when that task starts.
    /// When the deadline passes first, the task is cancelled and awaited (so it still occupies
    /// its worker until it returns) and ``TimeoutSignal`` is thrown; cancelling the caller
    /// cancels the task.
    ///
    /// The deadline is one entry of the process's ``DeadlineTimer``, not a sleeping task: a
    /// timeout costs one task and two lock round-trips, where a sleeping task per call cost
    /// a second task, a timer registration and a wake-up of the thread that keeps timers.
    @inlinable
    static func withTimeout(
        _ timeout: Duration,
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let task = Task { () async throws -> Value in
            let deadline = DeadlineTimer.shared.cancelCurrentTask(after: timeout)
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            // Removed before the task ends, as the timer requires.
            if let deadline, !DeadlineTimer.shared.remove(deadline) { throw TimeoutSignal() }
            return try outcome.get()
        }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}

/// The failure recorded for a task that threw `error`.
@usableFromInline
func classify(_ error: any Error, index: Int, timeout: Duration?) -> ExecutionError {
    if error is TimeoutSignal {
        return ExecutionError(.timedOut, "task \(index) ran longer than \(timeout ?? .zero)", taskIndex: index)
    }
    if Task.isCancelled {
        return ExecutionError(.cancelled, "task \(index) was cancelled while running", taskIndex: index, cause: error)
    }
    return ExecutionError(.taskFailed, "task \(index) failed", taskIndex: index, cause: error)
}

/// Publishes a task failure on `bus`, if anyone listens.
@usableFromInline
func announceFailure(_ error: ExecutionError, runID: UInt64, bus: EventBus?) {
    guard let bus, bus.hasSubscribers(for: ExecutionTaskFailed.self) else { return }
    bus.publish(ExecutionTaskFailed(runID: runID, taskIndex: error.taskIndex ?? -1, error: error.description))
}
