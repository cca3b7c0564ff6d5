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
