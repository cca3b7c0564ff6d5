/// Progress of a run, reported before each benchmark starts.
public struct BenchmarkProgress: Sendable {
    /// One-based position of the benchmark about to run.
    public var index: Int
    /// Number of benchmarks in the run.
    public var total: Int
    /// The benchmark about to run.
    public var id: String
    /// Its human name.
    public var name: String
    /// Its category.
    public var category: BenchmarkCategory
}

/// Runs benchmarks one after another and judges each figure against its target.
public struct BenchmarkRunner: Sendable {
    /// How one benchmark is run and judged: in this process (``inProcess(_:_:)``), or elsewhere,
    /// such as a fresh process, so that one workload's heap and caches don't colour the next.
    public typealias Execution = @Sendable (Benchmark, BenchmarkContext) async -> BenchmarkResult

    /// The benchmarks to run, in order.
    public var benchmarks: [Benchmark]
    /// Options passed to every workload.
    public var context: BenchmarkContext
    /// The machine description recorded in the report.
    public var machine: MachineInfo
    /// How each benchmark is run.
    public var execution: Execution

    /// Creates a runner.
    public init(
        benchmarks: [Benchmark],
        context: BenchmarkContext = .init(),
        machine: MachineInfo = .current,
        execution: @escaping Execution = BenchmarkRunner.inProcess
    ) {
        self.benchmarks = benchmarks
        self.context = context
        self.machine = machine
        self.execution = execution
    }

    /// Runs `benchmark`'s workload in this process and judges the figure; a workload that
    /// throws yields a failed result whose details carry the error. A calibrated benchmark
    /// (``Benchmark/calibration``) has its floor measured just before and just after the workload,
    /// and its figure judged against the mean of the two.
    public static func inProcess(_ benchmark: Benchmark, _ context: BenchmarkContext) async -> BenchmarkResult {
        do {
            guard let calibration = benchmark.calibration else {
                return judge(benchmark, try await benchmark.run(context))
            }
            let measurement = try await calibration.measure(context) {
                let measurement = try await benchmark.run(context)
                return (measurement.value, measurement.details)
            }
            return judge(benchmark, measurement)
        } catch {
            return failure(benchmark, error)
        }
    }

    /// Runs every benchmark sequentially (so they don't disturb each other's timings).
    public func run(progress: (BenchmarkProgress) -> Void = { _ in }) async -> BenchmarkReport {
        var results: [BenchmarkResult] = []
        for (offset, benchmark) in benchmarks.enumerated() {
            progress(
                BenchmarkProgress(
                    index: offset + 1,
                    total: benchmarks.count,
                    id: benchmark.id,
                    name: benchmark.name,
                    category: benchmark.category
                )
            )
            results.append(await execution(benchmark, context))
        }
        return BenchmarkReport(machine: machine, results: results)
    }

    /// The verdict for one measurement: pass/fail against the target, and a measurement error
    /// (``BenchmarkVerdict/error(_:)``) when the figure is not finite or exceeds the workload's
    /// physical limit.
    public static func judge(_ benchmark: Benchmark, _ measurement: BenchmarkMeasurement) -> BenchmarkResult {
        let target = measurement.target ?? benchmark.target
        var verdict = BenchmarkVerdict.informational
        var details = measurement.details
        // Noise may carry a figure a little past its limit, but never more than 5%: beyond that
        // the measurement itself is wrong, however noisy its samples.
        let allowance = min(0.05, max(1e-4, measurement.relativeUncertainty))
        if let limit = measurement.physicalLimit, measurement.value > limit * 1.0001,
            measurement.value <= limit * (1 + allowance)
        {
            details =
                "at the physical limit \(formatNumber(limit)) within the samples' spread of "
                + "±\(formatNumber(measurement.relativeUncertainty * 100))%. " + details
        }
        if !measurement.value.isFinite {
            let problem = "the figure is not a finite number"
            verdict = .error(problem)
            details = "measurement error: \(problem). " + details
        } else if let limit = measurement.physicalLimit,
            measurement.value > limit * (1 + allowance)
        {
            let problem =
                "\(formatNumber(measurement.value)) exceeds the physical limit \(formatNumber(limit)) for this workload"
            verdict = .error(problem)
            details = "measurement error: \(problem). " + details
        } else if let target {
            let met: Bool
            switch benchmark.direction {
            case .lower: met = measurement.value <= target
            case .higher: met = measurement.value >= target
            }
            verdict = met ? .passed : .failed
        }
        return BenchmarkResult(
            id: benchmark.id,
            category: benchmark.category,
            name: benchmark.name,
            metric: benchmark.metric,
            value: measurement.value.isFinite ? measurement.value : 0,
            unit: benchmark.unit,
            target: target,
            direction: benchmark.direction,
            verdict: verdict,
            details: details
        )
    }

    /// A result in error for `benchmark`: no figure, and `error` as what went wrong.
    public static func failure(_ benchmark: Benchmark, _ error: any Error) -> BenchmarkResult {
        BenchmarkResult(
            id: benchmark.id,
            category: benchmark.category,
            name: benchmark.name,
            metric: benchmark.metric,
            value: 0,
            unit: benchmark.unit,
            target: benchmark.target,
            direction: benchmark.direction,
            verdict: .error("\(error)"),
            details: "error: \(error)"
        )
    }
}
