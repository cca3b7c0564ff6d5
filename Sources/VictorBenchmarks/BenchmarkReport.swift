/// The outcome of one benchmark.
public struct BenchmarkResult: Sendable, Codable, Equatable {
    /// The benchmark's stable identifier.
    public var id: String
    /// The report section.
    public var category: String
    /// Short human name.
    public var name: String
    /// What the figure is.
    public var metric: String
    /// The figure.
    public var value: Double
    /// The figure's unit.
    public var unit: BenchmarkUnit
    /// The target, or `nil` for an informational figure.
    public var target: Double?
    /// Whether lower or higher figures are better.
    public var direction: BenchmarkDirection
    /// `true` or `false` when there is a target, `nil` otherwise.
    public var passed: Bool?
    /// How the figure was obtained, or what went wrong.
    public var details: String

    /// Creates a result.
    public init(
        id: String,
        category: String,
        name: String,
        metric: String,
        value: Double,
        unit: BenchmarkUnit,
        target: Double?,
        direction: BenchmarkDirection,
        passed: Bool?,
        details: String
    ) {
        self.id = id
        self.category = category
        self.name = name
        self.metric = metric
        self.value = value
        self.unit = unit
        self.target = target
        self.direction = direction
        self.passed = passed
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case id, category, name, metric, value, unit, target, direction, passed, details
    }

    /// Encodes every key, writing `null` for a missing target or verdict so the schema is fixed.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(category, forKey: .category)
        try container.encode(name, forKey: .name)
        try container.encode(metric, forKey: .metric)
        try container.encode(value, forKey: .value)
        try container.encode(unit, forKey: .unit)
        try container.encode(target, forKey: .target)
        try container.encode(direction, forKey: .direction)
        try container.encode(passed, forKey: .passed)
        try container.encode(details, forKey: .details)
    }
}

/// Pass and fail counts over a report's results.
public struct BenchmarkSummary: Sendable, Codable, Equatable {
    /// Results with a target that met it.
    public var passed: Int
    /// Results with a target that missed it, or whose measurement failed.
    public var failed: Int
    /// All results, informational ones included.
    public var total: Int

    /// Counts the verdicts in `results`.
    public init(results: [BenchmarkResult]) {
        passed = results.count { $0.passed == true }
        failed = results.count { $0.passed == false }
        total = results.count
    }
}

/// A whole `victor bench` run: the machine, every result and the summary.
public struct BenchmarkReport: Sendable, Codable, Equatable {
    /// Always `victor-bench`.
    public var suite: String
    /// The version of Victor that ran.
    public var version: String
    /// The machine it ran on.
    public var machine: MachineInfo
    /// One result per benchmark, in suite order.
    public var results: [BenchmarkResult]
    /// Pass and fail counts.
    public var summary: BenchmarkSummary

    /// Creates a report; the summary is computed from `results`.
    public init(version: String = victorVersion, machine: MachineInfo, results: [BenchmarkResult]) {
        self.suite = "victor-bench"
        self.version = version
        self.machine = machine
        self.results = results
        self.summary = BenchmarkSummary(results: results)
    }
}

/// The version of Victor reported by `victor bench`.
public let victorVersion = "0.1.0"
