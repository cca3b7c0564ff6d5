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
    /// The most tasks running at once, counted as the workers holding tasks (a worker that took
    /// several short tasks at once runs them one at a time); never above ``workers``.
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
