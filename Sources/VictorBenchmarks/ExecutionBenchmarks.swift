import VictorExecution

/// The parallel executor's benchmarks: the seed's `parallel.*` with the seed's workloads and the
/// extended `executor.*`.
enum ExecutionBenchmarks {
    static var all: [Benchmark] {
        [speedup, adaptive, overhead, overheadPerTask, waveEfficiency, maxInFlight, cpuSpeedup]
    }

    static let category = BenchmarkCategory.parallelExecution

    /// `count` tasks that each sleep `milliseconds`.
    static func sleepers(_ count: Int, milliseconds: Int) -> [ExecutionTask<Int>] {
        (0..<count).map { index in
            ExecutionTask {
                try await Task.sleep(for: .milliseconds(milliseconds))
                return index
            }
        }
    }

    /// Runs `tasks` and returns the report and the wall time seen by the caller, in ms;
    /// throws when a task failed, since the figure would then be meaningless.
    static func timedRun<Value>(
        _ executor: ParallelExecutor,
        _ tasks: [ExecutionTask<Value>]
    ) async throws -> (ExecutionReport<Value>, Double) {
        let start = Measure.now()
        let report = await executor.run(tasks)
        let elapsed = Double(Measure.now() - start) / 1e6
        if let failure = report.failures.first { throw BenchmarkError("a task failed: \(failure)") }
        return (report, elapsed)
    }

    static let speedup = Benchmark(
        id: "parallel.speedup",
        category: category,
        name: "Parallel Speedup",
        metric: "Speedup Factor",
        unit: .factor,
        target: 1.15,
        direction: .higher
    ) { context in
        let tasks = timedSleepers(10, milliseconds: 50)
        let sequential = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .sequential))
        let parallel = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        // Odd, so that the median is a sample, and at least 3, so that one disturbed sample never decides.
        let samples = context.iterations(5, minimum: 3)
        var sequentialTimes: [Double] = []
        var parallelTimes: [Double] = []
        var sequentialTasks: [Double] = []
        var parallelTasks: [Double] = []
        var speedups: [Double] = []
        var limits: [Double] = []
        var peak = 0
        for _ in 0..<samples {
            let (sequentialReport, sequentialTime) = try await timedRun(sequential, tasks)
            let (report, parallelTime) = try await timedRun(parallel, tasks)
            sequentialTimes.append(sequentialTime)
            parallelTimes.append(parallelTime)
            sequentialTasks.append(Double(sequentialReport.metrics.taskNanoseconds) / 10 / 1e6)
            parallelTasks.append(Double(report.metrics.taskNanoseconds) / 10 / 1e6)
            speedups.append(report.metrics.speedup)
            limits.append(speedupLimit(report, workers: 4))
            peak = max(peak, report.metrics.peakInFlight)
        }
        let sequentialMedian = Measure.median(sequentialTimes)
        let parallelMedian = Measure.median(parallelTimes)
        let limit = limitOfMedian(speedups, limits)
        // The figure is the executor's measured speedup: the sum of the task durations of the
        // parallel run ÷ its wall time. Dividing the sequential run's wall time by the parallel
        // run's compares two runs whose tasks differ: each sequential 50 ms sleep also pays a
        // thread wake-up that a parallel wave pays once for four tasks.
        return BenchmarkMeasurement(
            value: Measure.median(speedups),
            details: "10 tasks sleeping 50 ms, 4 workers; sum of task durations ÷ wall time of the parallel run, "
                + "median of \(samples); wall times: sequential \(formatNumber(sequentialMedian)) ms (mean task "
                + "\(formatNumber(Measure.median(sequentialTasks))) ms), parallel \(formatNumber(parallelMedian)) ms "
                + "(mean task \(formatNumber(Measure.median(parallelTasks))) ms), ratio "
                + "\(formatNumber(sequentialMedian / parallelMedian))x; peak in flight \(peak); 4 workers need 3 "
                + "waves for 10 equal tasks (10/3); for the durations the sleeps really took, at most "
                + formatNumber(limit),
            physicalLimit: limit
        )
    }

    /// `count` tasks that each sleep `milliseconds` and return how long they slept, in nanoseconds.
    static func timedSleepers(_ count: Int, milliseconds: Int) -> [ExecutionTask<UInt64>] {
        (0..<count).map { _ in
            ExecutionTask {
                let start = Measure.now()
                try await Task.sleep(for: .milliseconds(milliseconds))
                return Measure.now() - start
            }
        }
    }

    /// The highest speedup any schedule on `workers` workers could reach with the durations the
    /// timed sleepers of `report` measured: a sleep overruns by a different amount each time, and
    /// uneven tasks pack better than the 3 waves of 10 equal ones.
    ///
    /// The numerator is the executor's own sum, which brackets each body (so it is at least the
    /// sleepers' sum), and the schedule is computed from the sleepers' durations (so it is at most
    /// the executor's): the limit can only err high, never flag an honest figure.
    static func speedupLimit(_ report: ExecutionReport<UInt64>, workers: Int) -> Double {
        let durations = report.results.compactMap { try? $0.get() }.map { Double($0) }
        let shortest = Measure.shortestSchedule(durations, workers: workers)
        return shortest > 0 ? Double(report.metrics.taskNanoseconds) / shortest : .infinity
    }

    /// The limit that applies to the median of `figures`: the median sample's own (the larger of
    /// the two middle samples' when their count is even).
    static func limitOfMedian(_ figures: [Double], _ limits: [Double]) -> Double {
        let order = figures.indices.sorted { figures[$0] < figures[$1] }
        guard !order.isEmpty else { return .infinity }
        let middle = order.count / 2
        return order.count % 2 == 1 ? limits[order[middle]] : max(limits[order[middle - 1]], limits[order[middle]])
    }

    static let adaptive = Benchmark(
        id: "parallel.adaptive",
        category: category,
        name: "Adaptive Strategy",
        metric: "Large Task Execution",
        unit: .milliseconds,
        target: 1000,
        direction: .lower
    ) { context in
        let small = sleepers(2, milliseconds: 10)
        let large = sleepers(10, milliseconds: 20)
        // Odd, so that the median is a sample, and at least 3, so that one disturbed sample never decides.
        let samples = context.iterations(5, minimum: 3)
        var smallTimes: [Double] = []
        var largeTimes: [Double] = []
        var decisions: (small: StrategyDecision, large: StrategyDecision)?
        for _ in 0..<samples {
            let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .adaptive))
            let (smallReport, smallTime) = try await timedRun(executor, small)
            let (largeReport, largeTime) = try await timedRun(executor, large)
            smallTimes.append(smallTime)
            largeTimes.append(largeTime)
            decisions = (smallReport.decision, largeReport.decision)
        }
        guard let decisions else { throw BenchmarkError("no sample ran") }
        return BenchmarkMeasurement(
            value: Measure.median(largeTimes),
            details: "fresh adaptive executor (4 workers), 2 tasks of 10 ms then 10 tasks of 20 ms; median of "
                + "\(samples): small \(formatNumber(Measure.median(smallTimes))) ms [\(decisions.small)], "
                + "large \(formatNumber(Measure.median(largeTimes))) ms [\(decisions.large)]"
        )
    }

    static let overhead = Benchmark(
        id: "parallel.overhead",
        category: category,
        name: "Parallelization Overhead",
        metric: "Overhead Ratio",
        unit: .percent,
        target: 50,
        direction: .lower
    ) { context in
        let tasks = sleepers(5, milliseconds: 1)
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel))
        _ = try await timedRun(executor, tasks)
        let samples = context.iterations(51, minimum: 5)
        var ratios: [Double] = []
        var walls: [Double] = []
        var ideals: [Double] = []
        for _ in 0..<samples {
            let (report, elapsed) = try await timedRun(executor, tasks)
            // 2 workers need 3 waves for 5 tasks: the ideal is 3 measured task durations.
            let meanTask = Double(report.metrics.taskNanoseconds) / 5 / 1e6
            let ideal = 3 * meanTask
            ratios.append((elapsed - ideal) / ideal * 100)
            walls.append(elapsed)
            ideals.append(ideal)
        }
        return BenchmarkMeasurement(
            value: Measure.median(ratios),
            details: "5 tasks sleeping 1 ms, 2 workers; (wall − 3 × measured mean task) ÷ (3 × mean task), "
                + "median of \(samples): wall \(formatNumber(Measure.median(walls))) ms against an ideal of "
                + "\(formatNumber(Measure.median(ideals))) ms (the sleeps themselves overshoot 1 ms)"
        )
    }
}
