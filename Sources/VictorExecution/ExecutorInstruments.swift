import Metrics

/// The run counters the report needs, copied out of the lock.
@usableFromInline
struct RunFigures {
    @usableFromInline let total: Int
    @usableFromInline let completed: Int
    @usableFromInline let failed: Int
    @usableFromInline let timedOut: Int
    @usableFromInline let peakInFlight: Int

    @inlinable
    init<Value>(_ state: RunState<Value>) {
        total = state.total
        completed = state.completed
        failed = state.failed
        timedOut = state.timedOut
        peakInFlight = state.peakInFlight
    }
}

/// The executor's swift-metrics instruments, updated once per run.
struct ExecutorInstruments: Sendable {
    let runs = Counter(label: "victor_executor_runs_total")
    let tasks = Counter(label: "victor_executor_tasks_total")
    let failures = Counter(label: "victor_executor_task_failures_total")
    let timeouts = Counter(label: "victor_executor_task_timeouts_total")
    let notStarted = Counter(label: "victor_executor_tasks_not_started_total")
    let runDuration = Metrics.Timer(label: "victor_executor_run_duration")
    let speedup = Recorder(label: "victor_executor_speedup")
    let utilization = Recorder(label: "victor_executor_utilization")
    let throughput = Recorder(label: "victor_executor_throughput")
    let dispatchPerTask = Recorder(label: "victor_executor_dispatch_ns_per_task")
    let peakInFlight = Gauge(label: "victor_executor_peak_in_flight")
    let peakQueueDepth = Gauge(label: "victor_executor_peak_queue_depth")
    let workers = Gauge(label: "victor_executor_workers")

    func record(_ metrics: ExecutionMetrics) {
        runs.increment()
        tasks.increment(by: metrics.taskCount)
        if metrics.failed > 0 { failures.increment(by: metrics.failed) }
        if metrics.timedOut > 0 { timeouts.increment(by: metrics.timedOut) }
        if metrics.notStarted > 0 { notStarted.increment(by: metrics.notStarted) }
        runDuration.recordNanoseconds(metrics.wallNanoseconds)
        speedup.record(metrics.speedup)
        utilization.record(metrics.utilization)
        throughput.record(metrics.throughput)
        dispatchPerTask.record(metrics.dispatchNanosecondsPerTask)
        peakInFlight.record(metrics.peakInFlight)
        peakQueueDepth.record(metrics.peakQueueDepth)
        workers.record(metrics.workers)
    }
}
