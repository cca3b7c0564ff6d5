/// The unit a benchmark's figure is expressed in.
public enum BenchmarkUnit: String, Sendable, Codable, CaseIterable {
    /// Nanoseconds.
    case nanoseconds = "ns"
    /// Milliseconds.
    case milliseconds = "ms"
    /// A speedup or scaling factor.
    case factor = "x"
    /// A percentage.
    case percent = "%"
    /// A count of things.
    case count
    /// Bytes of memory.
    case bytes
    /// A dimensionless ratio.
    case ratio
    /// Things per second.
    case perSecond = "/s"
}

/// Whether smaller or larger figures are better.
public enum BenchmarkDirection: String, Sendable, Codable {
    /// The figure passes when it is at most the target.
    case lower
    /// The figure passes when it is at least the target.
    case higher
}

/// What a benchmark's workload produced.
public struct BenchmarkMeasurement: Sendable {
    /// The figure, in the benchmark's unit.
    public var value: Double
    /// How the figure was obtained: workload, iterations, the raw numbers behind a ratio.
    public var details: String
    /// A target that depends on the run itself (such as "80% of the eager time"), replacing the
    /// benchmark's fixed target.
    public var target: Double?
    /// The largest value physics allows for this workload (a speedup can't exceed the worker
    /// count); a figure above it is reported as a measurement error, never as a pass.
    public var physicalLimit: Double?
    /// The figure's relative measurement uncertainty (0.01 is ±1%), from the spread of its own
    /// samples. A figure above ``physicalLimit`` by no more than this is the limit reached within
    /// noise; above it by more, it is a measurement error.
    public var relativeUncertainty: Double

    /// Creates a measurement.
    public init(
        value: Double,
        details: String,
        target: Double? = nil,
        physicalLimit: Double? = nil,
        relativeUncertainty: Double = 0
    ) {
        self.value = value
        self.details = details
        self.target = target
        self.physicalLimit = physicalLimit
        self.relativeUncertainty = relativeUncertainty
    }
}

/// Options every benchmark workload receives.
public struct BenchmarkContext: Sendable {
    /// When set, workloads run fewer iterations: a smoke check, not a measurement.
    public var quick: Bool

    /// Creates a context.
    public init(quick: Bool = false) {
        self.quick = quick
    }

    /// `full` iterations normally, a tenth of them (at least `minimum`) in quick mode.
    public func iterations(_ full: Int, minimum: Int = 3) -> Int {
        quick ? max(minimum, full / 10) : full
    }
}

/// One benchmark: what it measures, its target, and the workload that measures it.
public struct Benchmark: Sendable, Identifiable {
    /// Stable identifier, such as `lazy.cached_access`; `victor bench --only` selects by its prefix.
    public var id: String
    /// The report section.
    public var category: BenchmarkCategory
    /// Short human name, such as `Cached Access`.
    public var name: String
    /// What the figure is, such as `Avg Cached Access`.
    public var metric: String
    /// The figure's unit.
    public var unit: BenchmarkUnit
    /// The target the figure is judged against, or `nil` for an informational figure.
    public var target: Double?
    /// Whether lower or higher figures are better.
    public var direction: BenchmarkDirection
    /// When set, the figure is judged against a floor of this machine measured in the same
    /// process around the workload, and ``target`` is only the absolute bound (if any) that
    /// holds as well; see ``CalibratedTarget``.
    public var calibration: CalibratedTarget?
    /// The workload; it returns the figure.
    public var run: @Sendable (BenchmarkContext) async throws -> BenchmarkMeasurement

    /// Creates a benchmark.
    public init(
        id: String,
        category: BenchmarkCategory,
        name: String,
        metric: String,
        unit: BenchmarkUnit,
        target: Double?,
        direction: BenchmarkDirection,
        calibration: CalibratedTarget? = nil,
        run: @escaping @Sendable (BenchmarkContext) async throws -> BenchmarkMeasurement
    ) {
        self.id = id
        self.category = category
        self.name = name
        self.metric = metric
        self.unit = unit
        self.target = target
        self.direction = direction
        self.calibration = calibration
        self.run = run
    }
}
