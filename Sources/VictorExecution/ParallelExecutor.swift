import Synchronization
public import VictorEvents
public import VictorLocks
public import VictorTelemetry

/// Runs batches of async tasks, sequentially or on a fixed pool of worker tasks, with a hard
/// bound on concurrency, one result per task in input order, and measured metrics.
///
/// Guarantees:
/// - At no instant do more than ``ExecutorConfiguration/maxWorkers`` task bodies execute, across
///   all the runs of the executor: a parallel run starts min(maxWorkers, tasks) worker tasks,
///   each running one body at a time while it holds one of the executor's `maxWorkers` slots;
///   concurrent runs share the slots, first come first served. A run started from inside one
///   of the executor's own tasks runs sequentially in that task's slot rather than wait for
///   another (which could deadlock).
/// - Every task runs at most once. Its result, a value or an ``ExecutionError``, is stored at
///   its input position; a failing task never drops or moves another's result.
/// - Workers take the next task from one shared queue as soon as they finish one, so no worker
///   idles while work is queued. Higher ``ExecutionTask/priority`` starts first; equal
///   priorities start in input order.
/// - Tasks that earlier runs measured as very short (under
///   ``ExecutorConfiguration/shortTaskThreshold``, 2 µs by default, on average) are taken
///   several at a time, up to 64 and at most a quarter of a worker's fair share of the queue,
///   so that the shared queue's lock is not paid per task; claims shrink to one task as the
///   queue empties. A worker runs its claim's tasks one after another and reports them
///   together (so calls of a run's `progress` closure come in bursts); a stopped run starts
///   none of the rest.
/// - Cancelling the calling task cancels running tasks, and queued tasks never start; so does
///   the first failure under ``ExecutorConfiguration/failFast``.
///
/// There is no work stealing: stealing pays off when each worker has its own queue, so an idle
/// worker must take work from a busy one. Here all workers pull from a single queue, one lock
/// round-trip per claim, so load is balanced by construction: a worker that finishes early
/// simply takes the next task (greedy list scheduling), and a long task holds up only its own
/// worker. The cost of the shared queue is measured by `victor bench --only executor.overhead`.
///
/// ```swift
/// let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4))
/// let report = await executor.map(urls) { url in try await fetch(url) }
/// for case .failure(let error) in report.results { print(error) }
/// print(report.decision.reason, report.metrics.speedup)
/// ```
public final class ParallelExecutor: Sendable {
    /// The configuration the executor was created with.
    public let configuration: ExecutorConfiguration
    @usableFromInline let bus: EventBus?
    private let totals: Locked<ExecutorStatistics>
    private let runCounter = Atomic<UInt64>(0)
    private let instruments: ExecutorInstruments
    @usableFromInline let slots: WorkerSlots
    /// How a one-task run goes, which depends only on the configuration: decided once, since
    /// the decision's reason costs more to format than a small task costs to run.
    private let oneTaskDecision: StrategyDecision
    /// ``ExecutorConfiguration/shortTaskThreshold`` in nanoseconds.
    private let shortTaskNanoseconds: Double

    /// Creates an executor.
    /// - Parameters:
    ///   - configuration: worker bound, strategy, fail-fast, task timeout, adaptive policy.
    ///   - eventBus: where run and failure events are published, if anywhere.
    ///   - telemetry: the naming of the executor's instruments (`PREFIX_executor_runs_total`,
    ///     `PREFIX_executor_run_duration` and the other per-run figures), pushed once per run;
    ///     the parallelism figures (speedup, utilization, throughput, dispatch per task, peaks,
    ///     workers) only for runs of two tasks or more.
    /// - Throws: ``ExecutionError/Code/invalidConfiguration`` when a field is out of range,
    ///   such as `maxWorkers` below 1.
    public init(
        configuration: ExecutorConfiguration = .init(),
        eventBus: EventBus? = nil,
        telemetry: Telemetry = .standard
    ) throws(ExecutionError) {
        try configuration.validate()
        instruments = ExecutorInstruments(telemetry)
        self.configuration = configuration
        bus = eventBus
        totals = Locked(ExecutorStatistics())
        slots = WorkerSlots(capacity: configuration.maxWorkers)
        oneTaskDecision = Self.decide(taskCount: 1, configuration, totals)
        let (seconds, attoseconds) = configuration.shortTaskThreshold.components
        shortTaskNanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// The figures of every run so far.
    public var statistics: ExecutorStatistics {
        totals.withLock { $0 }
    }

    /// How a batch of `taskCount` tasks would run now, and why.
    /// - Complexity: O(1).
    public func decision(forTaskCount taskCount: Int) -> StrategyDecision {
        taskCount == 1 ? oneTaskDecision : Self.decide(taskCount: taskCount, configuration, totals)
    }

    private static func decide(
        taskCount: Int,
        _ configuration: ExecutorConfiguration,
        _ totals: borrowing Locked<ExecutorStatistics>
    ) -> StrategyDecision {
        let workers = max(1, min(configuration.maxWorkers, taskCount))
        switch configuration.strategy {
        case .sequential:
            return StrategyDecision(
                strategy: .sequential,
                mode: .sequential,
                workers: 1,
                reason: "strategy is sequential"
            )
        case .parallel:
            guard workers > 1 else {
                let why = taskCount < 2 ? "\(taskCount) task(s)" : "maxWorkers is 1"
                return StrategyDecision(
                    strategy: .parallel,
                    mode: .sequential,
                    workers: 1,
                    reason: "\(why): nothing to overlap"
                )
            }
            return StrategyDecision(
                strategy: .parallel,
                mode: .parallel,
                workers: workers,
                reason: "strategy is parallel: \(taskCount) tasks on \(workers) workers"
            )
        case .adaptive:
            let (meanTask, dispatch) = totals.withLock { ($0.meanTaskNanoseconds, $0.dispatchNanosecondsPerTask) }
            return configuration.adaptive.decide(
                taskCount: taskCount,
                maxWorkers: configuration.maxWorkers,
                meanTaskNanoseconds: meanTask,
                dispatchNanoseconds: dispatch
            )
        }
    }

    /// Runs `tasks` and returns one result per task, in input order.
    ///
    /// The call returns when every started task has finished. It never throws: failures,
    /// timeouts and cancellation are recorded in the results.
    /// - Parameters:
    ///   - tasks: the batch.
    ///   - progress: called after each task finishes (for short tasks taken several at a time,
    ///     when the worker reports them together). Calls are serialized and in order
    ///     (``ExecutionProgress/completed`` counts 1, 2, …); they run while the run's queue is
    ///     locked, so keep them short.
    /// - Complexity: O(n log n) with priorities, O(n) otherwise, plus the tasks themselves.
    @inlinable
    public func run<Value: Sendable>(
        _ tasks: [ExecutionTask<Value>],
        progress: (@Sendable (ExecutionProgress) -> Void)? = nil
    ) async -> ExecutionReport<Value> {
        // Inlinable so that the worker loop is specialized for `Value` in the caller's module:
        // unspecialized generic code costs hundreds of nanoseconds per task in metadata lookups.
        let (runID, decision, nested) = begin(taskCount: tasks.count)
        let start = MonotonicClock.nanoseconds()
        if tasks.count == 1, decision.mode == .sequential {
            return await runOne(tasks[0], runID: runID, decision: decision, nested: nested, start: start, progress)
        }
        let run = Run(
            runID: runID,
            slots: nested ? nil : slots,
            executor: ObjectIdentifier(self),
            tasks: tasks,
            failFast: configuration.failFast,
            timeout: configuration.taskTimeout,
            progress: progress,
            bus: bus,
            claimLimit: claimLimit(taskCount: tasks.count),
            workers: decision.workers
        )
        let workers: WorkerTotals
        if decision.mode == .sequential {
            workers = await run.workInSlot()
        } else {
            workers = await run.work(on: decision.workers)
        }
        let wall = MonotonicClock.nanoseconds() - start
        let (results, figures) = run.state.withLock { ($0.close(), RunFigures($0)) }
        let metrics = finish(runID: runID, decision: decision, figures: figures, workers: workers, wall: wall)
        return ExecutionReport(runID: runID, results: results, decision: decision, metrics: metrics)
    }

    /// A one-task run, the gate's usual case: what a sequential run of ``run(_:progress:)``
    /// does for one task (take a slot, check for cancellation, run the body under the timeout,
    /// record it), in the calling task, with no ``Run`` object, lock, queue or worker loop.
    @inlinable
    func runOne<Value: Sendable>(
        _ task: ExecutionTask<Value>,
        runID: UInt64,
        decision: StrategyDecision,
        nested: Bool,
        start: UInt64,
        _ progress: (@Sendable (ExecutionProgress) -> Void)?
    ) async -> ExecutionReport<Value> {
        var outcome: Result<Value, ExecutionError>?
        var end: UInt64?
        let workers: WorkerTotals
        if nested {
            // Already in one of this executor's slots, which the task runs in.
            workers = await executeOne(task, &outcome, &end)
        } else {
            workers =
                await slots.holdingSlot(runID: runID, executor: ObjectIdentifier(self)) {
                    await executeOne(task, &outcome, &end)
                } ?? WorkerTotals()
        }
        let wall = (end ?? MonotonicClock.nanoseconds()) - start
        let result = outcome ?? .failure(RunState<Value>.notStarted(0, .cancelled))
        let failed = outcome.map { if case .failure = $0 { 1 } else { 0 } } ?? 0
        if let outcome {
            progress?(ExecutionProgress(index: 0, completed: 1, failed: failed, total: 1))
            if case .failure(let error) = outcome { announceFailure(error, runID: runID, bus: bus) }
        }
        let timedOut = if case .failure(let error) = outcome, error.code == .timedOut { 1 } else { 0 }
        let figures = RunFigures(
            total: 1,
            completed: outcome == nil ? 0 : 1,
            failed: failed,
            timedOut: timedOut,
            peakInFlight: outcome == nil ? 0 : 1
        )
        let metrics = finish(runID: runID, decision: decision, figures: figures, workers: workers, wall: wall)
        return ExecutionReport(runID: runID, results: [result], decision: decision, metrics: metrics)
    }

    /// Runs a one-task run's task in a held slot unless the caller is cancelled, and sets
    /// `outcome` and `end` (when it ended). Nothing is handed over, so no dispatch time counts.
    @inlinable
    func executeOne<Value: Sendable>(
        _ task: ExecutionTask<Value>,
        _ outcome: inout Result<Value, ExecutionError>?,
        _ end: inout UInt64?
    ) async -> WorkerTotals {
        var workers = WorkerTotals()
        workers.workers = 1
        guard !Task.isCancelled else { return workers }
        let bodyStart = MonotonicClock.nanoseconds()
        outcome = await Run<Value>.execute(task.body, index: 0, timeout: configuration.taskTimeout)
        let ended = MonotonicClock.nanoseconds()
        end = ended
        workers.busyNanoseconds = ended - bodyStart
        return workers
    }

    /// The most tasks handed to a worker at once.
    static let maxClaim = 64

    /// The most tasks a worker of a run of `taskCount` tasks takes at once: ``maxClaim`` when
    /// earlier runs measured the executor's tasks as shorter than
    /// ``ExecutorConfiguration/shortTaskThreshold``, 1 otherwise (and before any run).
    @usableFromInline
    func claimLimit(taskCount: Int) -> Int {
        guard taskCount > 1, shortTaskNanoseconds > 0, let mean = totals.withLock({ $0.meanTaskNanoseconds }),
            mean < shortTaskNanoseconds
        else { return 1 }
        return Self.maxClaim
    }

    /// Numbers the run, decides how to run it and announces it; `nested` when the run is
    /// started from one of this executor's own tasks.
    @usableFromInline
    func begin(taskCount: Int) -> (runID: UInt64, decision: StrategyDecision, nested: Bool) {
        let runID = runCounter.add(1, ordering: .relaxed).newValue
        let nested = WorkerContext.isInside(ObjectIdentifier(self))
        let decision =
            nested
            ? StrategyDecision(
                strategy: configuration.strategy,
                mode: .sequential,
                workers: 1,
                reason: "started from a task of this executor: runs inline in that task's worker slot"
            )
            : decision(forTaskCount: taskCount)
        if let bus, bus.hasSubscribers(for: ExecutionStarted.self) {
            bus.publish(ExecutionStarted(runID: runID, taskCount: taskCount, decision: decision))
        }
        return (runID, decision, nested)
    }

    /// Builds the run's metrics, folds them into the totals and instruments, and announces them.
    @usableFromInline
    func finish(
        runID: UInt64,
        decision: StrategyDecision,
        figures: RunFigures,
        workers: WorkerTotals,
        wall: UInt64
    ) -> ExecutionMetrics {
        let metrics = ExecutionMetrics(
            mode: decision.mode,
            taskCount: figures.total,
            succeeded: figures.completed - figures.failed,
            failed: figures.failed,
            timedOut: figures.timedOut,
            notStarted: figures.total - figures.completed,
            workers: workers.workers,
            wallNanoseconds: wall,
            taskNanoseconds: workers.busyNanoseconds,
            dispatchNanoseconds: workers.dispatchNanoseconds,
            peakQueueDepth: figures.total,
            peakInFlight: figures.peakInFlight
        )
        totals.withLock { $0.record(metrics, smoothing: configuration.adaptive.smoothing) }
        instruments.record(metrics)
        if let bus, bus.hasSubscribers(for: ExecutionFinished.self) {
            bus.publish(ExecutionFinished(runID: runID, decision: decision, metrics: metrics))
        }
        return metrics
    }

    /// Runs each closure of `bodies` as a task of priority 0, with the guarantees of the
    /// `ExecutionTask` overload.
    @inlinable
    public func run<Value: Sendable>(
        _ bodies: [@Sendable () async throws -> Value],
        progress: (@Sendable (ExecutionProgress) -> Void)? = nil
    ) async -> ExecutionReport<Value> {
        await run(bodies.map { ExecutionTask($0) }, progress: progress)
    }

    /// Applies `transform` to every element as one task each; results are in `elements`' order.
    @inlinable
    public func map<Element: Sendable, Value: Sendable>(
        _ elements: [Element],
        progress: (@Sendable (ExecutionProgress) -> Void)? = nil,
        _ transform: @escaping @Sendable (Element) async throws -> Value
    ) async -> ExecutionReport<Value> {
        await run(elements.map { element in ExecutionTask { try await transform(element) } }, progress: progress)
    }
}
