import Metrics
import VictorTelemetry

/// The run counters the report needs, copied out of the lock.
@usableFromInline
struct RunFigures {
    @usableFromInline let total: Int
    @usableFromInline let completed: Int
    @usableFromInline let failed: Int
    @usableFromInline let timedOut: Int
    @usableFromInline let peakInFlight: Int

    @inlinable
    init(total: Int, completed: Int, failed: Int, timedOut: Int, peakInFlight: Int) {
        self.total = total
        self.completed = completed
        self.failed = failed
        self.timedOut = timedOut
        self.peakInFlight = peakInFlight
    }

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
    let runs: Counter
    let tasks: Counter
    let failures: Counter
    let timeouts: Counter
    let notStarted: Counter
    let runDuration: Metrics.Timer
    let speedup: Recorder
    let utilization: Recorder
    let throughput: Recorder
    let dispatchPerTask: Recorder
    let peakInFlight: Gauge
    let peakQueueDepth: Gauge
    let workers: Gauge

    init(_ telemetry: Telemetry) {
        runs = telemetry.counter("executor_runs_total")
        tasks = telemetry.counter("executor_tasks_total")
        failures = telemetry.counter("executor_task_failures_total")
        timeouts = telemetry.counter("executor_task_timeouts_total")
        notStarted = telemetry.counter("executor_tasks_not_started_total")
        runDuration = telemetry.timer("executor_run_duration")
        speedup = telemetry.recorder("executor_speedup")
        utilization = telemetry.recorder("executor_utilization")
        throughput = telemetry.recorder("executor_throughput")
        dispatchPerTask = telemetry.recorder("executor_dispatch_ns_per_task")
        peakInFlight = telemetry.gauge("executor_peak_in_flight")
        peakQueueDepth = telemetry.gauge("executor_peak_queue_depth")
        workers = telemetry.gauge("executor_workers")
    }

    func record(_ metrics: ExecutionMetrics) {
        runs.increment()
        tasks.increment(by: metrics.taskCount)
        if metrics.failed > 0 { failures.increment(by: metrics.failed) }
        if metrics.timedOut > 0 { timeouts.increment(by: metrics.timedOut) }
        if metrics.notStarted > 0 { notStarted.increment(by: metrics.notStarted) }
        runDuration.recordNanoseconds(metrics.wallNanoseconds)
        // A one-task run has nothing to overlap or hand over: its speedup, utilization, peaks
        // and workers are 1 and its dispatch 0 by construction, and would only pull the figures
        // of the runs that do toward those values.
        guard metrics.taskCount > 1 else { return }
        dispatchPerTask.record(metrics.dispatchNanosecondsPerTask)
        speedup.record(metrics.speedup)
        utilization.record(metrics.utilization)
        throughput.record(metrics.throughput)
        peakInFlight.record(metrics.peakInFlight)
        peakQueueDepth.record(metrics.peakQueueDepth)
        workers.record(metrics.workers)
    }
}
