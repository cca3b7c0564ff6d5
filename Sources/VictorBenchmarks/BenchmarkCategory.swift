/// A section of the benchmark report. The raw value is the name the reports print and the JSON
/// report stores (`"category": "Lazy Loading"`); the cases are in the seed report's order.
public enum BenchmarkCategory: String, Sendable, Codable, CaseIterable, Comparable {
    /// Component loading: initialization, first and cached access.
    case lazyLoading = "Lazy Loading"
    /// The parallel executor: speedup, adaptive choice, dispatch overhead.
    case parallelExecution = "Parallel Execution"
    /// Memory kept by lazy loading and the bounded cache.
    case memoryEfficiency = "Memory Efficiency"
    /// The persona manager and persona store.
    case personaManager = "Persona Manager"
    /// Authorization checks.
    case security = "Security"
    /// The tool-call gate: decisions, call overhead, audit.
    case runtime = "Tool-Call Runtime"
    /// `victor serve` under load over HTTP on loopback.
    case service = "Service"
    /// The machine's own floors (``MachineFloor``) that calibrated targets are ratios of; last,
    /// so the seed's sections keep their numbers.
    case machineFloors = "Machine Floors"

    /// The seed report's section title, such as `Lazy Loading Performance`.
    public var sectionTitle: String {
        switch self {
        case .lazyLoading: "Lazy Loading Performance"
        case .parallelExecution: "Parallel Execution Performance"
        case .memoryEfficiency: "Memory Efficiency"
        case .personaManager: "Persona Manager Performance"
        case .security: "Security Authorization Overhead"
        case .runtime: "Tool-Call Runtime"
        case .service: "Service under Load"
        case .machineFloors: "Machine Floors"
        }
    }

    /// A file-name-safe form of the name: `Lazy Loading` → `lazy-loading`.
    public var slug: String { SVGChartRenderer.slug(rawValue) }

    /// Orders categories as the report does (the order of `allCases`).
    public static func < (lhs: Self, rhs: Self) -> Bool {
        let order = allCases
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}

/// How a benchmark's figure was judged.
public enum BenchmarkVerdict: Sendable, Hashable {
    /// The figure met its target.
    case passed
    /// The figure missed its target.
    case failed
    /// The benchmark has no target: the figure is for information.
    case informational
    /// There is no valid figure: the workload threw, its process ended without a report, or the
    /// figure is impossible (not finite, or beyond the workload's physical limit). Carries what
    /// went wrong. Counts as a failure, and is never compared with a baseline.
    case error(String)

    /// `true` when passed, `false` when failed or in error, `nil` when informational: the JSON
    /// report's `passed` field.
    public var passed: Bool? {
        switch self {
        case .passed: true
        case .failed, .error: false
        case .informational: nil
        }
    }

    /// What went wrong, for ``error(_:)``; `nil` otherwise: the JSON report's `error` field.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
