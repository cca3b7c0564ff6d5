import Foundation
import Synchronization
import VictorExecution

extension ExecutionBenchmarks {
    static let overheadPerTask = Benchmark(
        id: "executor.overhead_ns_per_task",
        category: category,
        name: "Executor Overhead",
        metric: "Wall Time per No-op Task",
        unit: .nanoseconds,
        target: 400,
        direction: .lower
    ) { context in
        let count = 100_000
        let tasks = (0..<count).map { index in ExecutionTask { index } }
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        let samples = context.iterations(11, minimum: 3)
        let perTask = try await Measure.nanosecondsPerOperation(samples: samples, batch: count) { _ in
            let report = await executor.run(tasks)
            guard report.metrics.succeeded == count else { throw BenchmarkError("not every no-op task succeeded") }
        }
        let report = await executor.run(tasks)
        let childTask = await Measure.nanosecondsPerOperation(samples: samples, batch: count) { _ in
            blackHole(await childTaskPerItem(count, width: 4))
        }
        let sequential = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .sequential))
        let inline = await Measure.nanosecondsPerOperation(samples: samples, batch: count) { _ in
            blackHole(await sequential.run(tasks))
        }
        // A batch of one, as the runtime's gate runs each tool call: the whole run, report included.
        let oneTask = [ExecutionTask { 0 }]
        let oneTaskRun = try await Measure.nanosecondsPerOperation(samples: samples, batch: 20_000) { runs in
            for _ in 0..<runs where await executor.run(oneTask).metrics.succeeded != 1 {
                throw BenchmarkError("a one-task run did not succeed")
            }
        }
        return BenchmarkMeasurement(
            value: perTask,
            details: "100,000 no-op tasks on 4 workers, wall time of run() ÷ tasks, median of \(samples); "
                + "executor's dispatch time \(formatNumber(report.metrics.dispatchNanosecondsPerTask)) ns per task; "
                + "same tasks with one child task per item (at most 4 at once, no ordered results) "
                + "\(formatNumber(childTask)) ns, sequential strategy \(formatNumber(inline)) ns; "
                + "a whole run of one no-op task \(formatNumber(oneTaskRun)) ns"
        )
    }

    /// The usual alternative to a worker pool: a task group with one child task per item,
    /// topped up to `width` children as each finishes.
    static func childTaskPerItem(_ count: Int, width: Int) async -> Int {
        await withTaskGroup(of: Int.self) { group in
            var next = 0
            var sum = 0
            while next < min(width, count) {
                let value = next
                group.addTask { value }
                next += 1
            }
            while let value = await group.next() {
                sum &+= value
                if next < count {
                    let value = next
                    group.addTask { value }
                    next += 1
                }
            }
            return sum
        }
    }

    static let waveEfficiency = Benchmark(
        id: "executor.wave_efficiency",
        category: category,
        name: "Wave Efficiency",
        metric: "Ideal ÷ Measured Wall Time",
        unit: .ratio,
        target: 0.95,
        direction: .higher
    ) { context in
        let tasks = sleepers(10, milliseconds: 50)
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        let samples = context.iterations(5, minimum: 2)
        var walls: [Double] = []
        for _ in 0..<samples { walls.append(try await timedRun(executor, tasks).1) }
        let wall = Measure.median(walls)
        return BenchmarkMeasurement(
            value: 150 / wall,
            details: "10 tasks sleeping 50 ms on 4 workers: 3 waves, ideally 150 ms; measured "
                + "\(formatNumber(wall)) ms (median of \(samples), including the sleeps' own overshoot)",
            physicalLimit: 1
        )
    }

    static let maxInFlight = Benchmark(
        id: "executor.max_in_flight",
        category: category,
        name: "Concurrency Bound",
        metric: "Peak Task Bodies Running",
        unit: .count,
        target: 4,
        direction: .higher
    ) { context in
        let running = Mutex((current: 0, peak: 0))
        let count = context.iterations(400, minimum: 40)
        let tasks = (0..<count).map { index in
            ExecutionTask { () async throws -> Int in
                running.withLock {
                    $0.current += 1
                    $0.peak = max($0.peak, $0.current)
                }
                defer { running.withLock { $0.current -= 1 } }
                try await Task.sleep(for: .milliseconds(1))
                return index
            }
        }
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        let (report, _) = try await timedRun(executor, tasks)
        let observed = running.withLock { $0.peak }
        return BenchmarkMeasurement(
            value: Double(observed),
            details: "\(count) tasks sleeping 1 ms, maxWorkers 4: peak of task bodies running at once, counted "
                + "inside the bodies; executor's own peak in flight \(report.metrics.peakInFlight); "
                + "must be exactly 4 (above is a broken bound, below an idle worker)",
            physicalLimit: 4
        )
    }

    static let cpuSpeedup = Benchmark(
        id: "executor.cpu_speedup",
        category: category,
        name: "CPU-Bound Speedup",
        metric: "Parallel vs Sequential",
        unit: .factor,
        target: 1.7,
        direction: .higher
    ) { context in
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores >= 2 else { throw BenchmarkError("one active processor: nothing to run in parallel") }
        let taskCount = 4 * cores
        let iterations = 20_000_000
        let tasks = (0..<taskCount).map { index in
            ExecutionTask { spin(iterations, seed: UInt64(index)) }
        }
        let sequential = try ParallelExecutor(configuration: .init(maxWorkers: cores, strategy: .sequential))
        let parallel = try ParallelExecutor(configuration: .init(maxWorkers: cores, strategy: .parallel))
        let samples = context.iterations(5, minimum: 2)
        _ = try await timedRun(parallel, tasks)
        var sequentialTimes: [Double] = []
        var parallelTimes: [Double] = []
        for _ in 0..<samples {
            sequentialTimes.append(try await timedRun(sequential, tasks).1)
            parallelTimes.append(try await timedRun(parallel, tasks).1)
        }
        let sequentialMedian = Measure.median(sequentialTimes)
        let parallelMedian = Measure.median(parallelTimes)
        // The same work on all cores sits right at its limit (cores× faster), so noise alone
        // puts the ratio a little either side of it; the samples' spread says by how much.
        let spread = { (times: [Double], median: Double) in ((times.max() ?? 0) - (times.min() ?? 0)) / median }
        return BenchmarkMeasurement(
            value: sequentialMedian / parallelMedian,
            details: "\(taskCount) tasks of \(formatNumber(Double(iterations) / 1e6))M xorshift steps on \(cores) "
                + "workers (all active processors), medians of \(samples) interleaved runs: sequential "
                + "\(formatNumber(sequentialMedian)) ms, parallel \(formatNumber(parallelMedian)) ms",
            physicalLimit: Double(min(cores, taskCount)),
            relativeUncertainty: spread(sequentialTimes, sequentialMedian) + spread(parallelTimes, parallelMedian)
        )
    }

    /// CPU-bound work: `iterations` dependent xorshift steps.
    @inline(never)
    static func spin(_ iterations: Int, seed: UInt64) -> UInt64 {
        var x = seed | 1
        for _ in 0..<iterations {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
        }
        return x
    }
}
