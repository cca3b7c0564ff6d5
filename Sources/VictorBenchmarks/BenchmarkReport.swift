/// The outcome of one benchmark.
public struct BenchmarkResult: Sendable, Codable, Equatable {
    /// The benchmark's stable identifier.
    public var id: String
    /// The report section.
    public var category: BenchmarkCategory
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
    /// How the figure was judged.
    public var verdict: BenchmarkVerdict
    /// How the figure was obtained, or what went wrong.
    public var details: String

    /// `true` or `false` when there is a target or an error, `nil` for an informational figure.
    public var passed: Bool? { verdict.passed }

    /// Creates a result.
    public init(
        id: String,
        category: BenchmarkCategory,
        name: String,
        metric: String,
        value: Double,
        unit: BenchmarkUnit,
        target: Double?,
        direction: BenchmarkDirection,
        verdict: BenchmarkVerdict,
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
        self.verdict = verdict
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case id, category, name, metric, value, unit, target, direction, passed, error, details
    }

    /// Decodes a result. The verdict is read from `passed` and `error`; a report saved before the
    /// `error` field existed marked an error only by details starting with `error:`, and such a
    /// result is read as an error, so that old baselines never compare a figure that was not
    /// measured.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        category = try container.decode(BenchmarkCategory.self, forKey: .category)
        name = try container.decode(String.self, forKey: .name)
        metric = try container.decode(String.self, forKey: .metric)
        value = try container.decode(Double.self, forKey: .value)
        unit = try container.decode(BenchmarkUnit.self, forKey: .unit)
        target = try container.decodeIfPresent(Double.self, forKey: .target)
        direction = try container.decode(BenchmarkDirection.self, forKey: .direction)
        details = try container.decode(String.self, forKey: .details)
        let passed = try container.decodeIfPresent(Bool.self, forKey: .passed)
        if container.contains(.error) {
            if let error = try container.decodeIfPresent(String.self, forKey: .error) {
                verdict = .error(error)
            } else {
                verdict = passed.map { $0 ? .passed : .failed } ?? .informational
            }
        } else if passed == false, details.utf8.starts(with: "error: ".utf8) {
            verdict = .error(String(decoding: details.utf8.dropFirst("error: ".utf8.count), as: UTF8.self))
        } else {
            verdict = passed.map { $0 ? .passed : .failed } ?? .informational
        }
    }

    /// Encodes every key, writing `null` for a missing target, verdict or error so the schema is
    /// fixed.
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
        try container.encode(verdict.passed, forKey: .passed)
        try container.encode(verdict.errorMessage, forKey: .error)
        try container.encode(details, forKey: .details)
    }
}

/// Pass and fail counts over a report's results.
public struct BenchmarkSummary: Sendable, Codable, Equatable {
    /// Results with a target that met it.
    public var passed: Int
    /// Results with a target that missed it, and results in error.
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
