/// What one run measured. Durations come from the monotonic clock; nothing is estimated.
public struct ExecutionMetrics: Sendable, Hashable {
    /// How the run was executed.
    public var mode: ExecutionMode
    /// Tasks in the batch.
    public var taskCount: Int
    /// Tasks that returned a value.
    public var succeeded: Int
    /// Tasks that started and failed: threw, timed out, or were cancelled while running.
    public var failed: Int
    /// Of the failed tasks, those that exceeded the task timeout.
    public var timedOut: Int
    /// Tasks that never started because the run was cancelled or stopped by fail-fast.
    public var notStarted: Int
    /// Worker tasks that ran: 1 for a sequential run, up to min(maxWorkers, tasks) for a
    /// parallel one (fewer if the caller was cancelled while they waited for a slot).
    public var workers: Int
    /// From the start of the run to its last result, in nanoseconds.
    public var wallNanoseconds: UInt64
    /// The sum of the task bodies' durations, in nanoseconds.
    public var taskNanoseconds: UInt64
    /// Time the workers spent between task bodies (taking the next task, recording a result,
    /// waiting to be scheduled), summed over workers, in nanoseconds.
    public var dispatchNanoseconds: UInt64
    /// The most tasks waiting for a worker at once. A run queues its whole batch when it
    /// starts, so this is the batch size.
    public var peakQueueDepth: Int
    /// The most tasks handed to workers and not yet finished at once; never above ``workers``.
    public var peakInFlight: Int

    /// Creates metrics.
    public init(
        mode: ExecutionMode,
        taskCount: Int,
        succeeded: Int,
        failed: Int,
        timedOut: Int,
        notStarted: Int,
        workers: Int,
        wallNanoseconds: UInt64,
        taskNanoseconds: UInt64,
        dispatchNanoseconds: UInt64,
        peakQueueDepth: Int,
        peakInFlight: Int
    ) {
        self.mode = mode
        self.taskCount = taskCount
        self.succeeded = succeeded
        self.failed = failed
        self.timedOut = timedOut
        self.notStarted = notStarted
        self.workers = workers
        self.wallNanoseconds = wallNanoseconds
        self.taskNanoseconds = taskNanoseconds
        self.dispatchNanoseconds = dispatchNanoseconds
        self.peakQueueDepth = peakQueueDepth
        self.peakInFlight = peakInFlight
    }

    /// Tasks that started: ``succeeded`` + ``failed``.
    public var started: Int { succeeded + failed }

    /// Sum of task durations ÷ wall time: how many tasks ran at once on average. At most
    /// ``workers``; 1 or a little less for a sequential run; 0 for an empty run.
    public var speedup: Double {
        wallNanoseconds == 0 ? 0 : Double(taskNanoseconds) / Double(wallNanoseconds)
    }

    /// Sum of task durations ÷ (workers × wall time): the share of the workers' time spent in
    /// task bodies, between 0 and 1.
    public var utilization: Double {
        wallNanoseconds == 0 || workers == 0
            ? 0 : Double(taskNanoseconds) / (Double(workers) * Double(wallNanoseconds))
    }

    /// Started tasks per second of wall time.
    public var throughput: Double {
        wallNanoseconds == 0 ? 0 : Double(started) / (Double(wallNanoseconds) / 1e9)
    }

    /// Dispatch time per started task, in nanoseconds.
    public var dispatchNanosecondsPerTask: Double {
        started == 0 ? 0 : Double(dispatchNanoseconds) / Double(started)
    }
}

/// The outcome of one run: a result per task in input order, the strategy decision and the
/// run's metrics.
public struct ExecutionReport<Value: Sendable>: Sendable {
    /// The run's number on its executor, starting at 1.
    public var runID: UInt64
    /// One result per task, at the task's input position. A failure is an ``ExecutionError``
    /// whose ``ExecutionError/taskIndex`` is that position.
    public var results: [Result<Value, ExecutionError>]
    /// How the batch was run and why.
    public var decision: StrategyDecision
    /// What the run measured.
    public var metrics: ExecutionMetrics

    /// Creates a report.
    public init(
        runID: UInt64,
        results: [Result<Value, ExecutionError>],
        decision: StrategyDecision,
        metrics: ExecutionMetrics
    ) {
        self.runID = runID
        self.results = results
        self.decision = decision
        self.metrics = metrics
    }

    /// Whether every task returned a value.
    public var allSucceeded: Bool { metrics.succeeded == results.count }

    /// The failures, in input order.
    public var failures: [ExecutionError] {
        results.compactMap { result in
            if case .failure(let error) = result { return error }
            return nil
        }
    }

    /// Every task's value, in input order.
    /// - Throws: the first failure in input order.
    /// - Complexity: O(n).
    public func values() throws(ExecutionError) -> [Value] {
        var values: [Value] = []
        values.reserveCapacity(results.count)
        for result in results {
            switch result {
            case .success(let value): values.append(value)
            case .failure(let error): throw error
            }
        }
        return values
    }
}

/// An executor's figures summed over all its runs.
public struct ExecutorStatistics: Sendable, Hashable {
    /// Runs completed.
    public var runs: Int = 0
    /// Of them, the runs executed sequentially.
    public var sequentialRuns: Int = 0
    /// Of them, the runs executed on the worker pool.
    public var parallelRuns: Int = 0
    /// Tasks submitted.
    public var tasks: Int = 0
    /// Tasks that returned a value.
    public var succeeded: Int = 0
    /// Tasks that started and failed.
    public var failed: Int = 0
    /// Tasks that exceeded the task timeout.
    public var timedOut: Int = 0
    /// Tasks that never started.
    public var notStarted: Int = 0
    /// Wall time of all runs, in nanoseconds.
    public var wallNanoseconds: UInt64 = 0
    /// Sum of all task durations, in nanoseconds.
    public var taskNanoseconds: UInt64 = 0
    /// Sum over runs of workers × wall time, in nanoseconds.
    public var workerNanoseconds: UInt64 = 0
    /// Dispatch time of all runs, in nanoseconds.
    public var dispatchNanoseconds: UInt64 = 0
    /// The most tasks in flight at once in any run.
    public var peakInFlight: Int = 0
    /// The most tasks queued at once in any run.
    public var peakQueueDepth: Int = 0
    /// The running average of the mean task duration that the adaptive strategy uses, in
    /// nanoseconds; `nil` before a task has run.
    public var meanTaskNanoseconds: Double?
    /// The running average of the dispatch cost per task measured by parallel runs, in
    /// nanoseconds; `nil` before a parallel run.
    public var dispatchNanosecondsPerTask: Double?

    /// Creates statistics with every counter at zero.
    public init() {}

    /// Sum of task durations ÷ wall time over all runs.
    public var speedup: Double {
        wallNanoseconds == 0 ? 0 : Double(taskNanoseconds) / Double(wallNanoseconds)
    }

    /// Sum of task durations ÷ (workers × wall time) over all runs.
    public var utilization: Double {
        workerNanoseconds == 0 ? 0 : Double(taskNanoseconds) / Double(workerNanoseconds)
    }

    /// Started tasks per second of wall time over all runs.
    public var throughput: Double {
        wallNanoseconds == 0 ? 0 : Double(succeeded + failed) / (Double(wallNanoseconds) / 1e9)
    }

    /// Folds one run into the totals and the adaptive strategy's running averages.
    /// - Complexity: O(1).
    mutating func record(_ run: ExecutionMetrics, smoothing: Double) {
        runs += 1
        if run.mode == .parallel { parallelRuns += 1 } else { sequentialRuns += 1 }
        tasks += run.taskCount
        succeeded += run.succeeded
        failed += run.failed
        timedOut += run.timedOut
        notStarted += run.notStarted
        wallNanoseconds += run.wallNanoseconds
        taskNanoseconds += run.taskNanoseconds
        workerNanoseconds += UInt64(run.workers) * run.wallNanoseconds
        dispatchNanoseconds += run.dispatchNanoseconds
        peakInFlight = max(peakInFlight, run.peakInFlight)
        peakQueueDepth = max(peakQueueDepth, run.peakQueueDepth)
        guard run.started > 0 else { return }
        let meanTask = Double(run.taskNanoseconds) / Double(run.started)
        meanTaskNanoseconds = meanTaskNanoseconds.map { $0 + smoothing * (meanTask - $0) } ?? meanTask
        if run.mode == .parallel {
            let dispatch = run.dispatchNanosecondsPerTask
            dispatchNanosecondsPerTask = dispatchNanosecondsPerTask.map { $0 + smoothing * (dispatch - $0) } ?? dispatch
        }
    }
}
