/// One figure compared with the same benchmark in a saved run.
public struct BaselineDelta: Sendable, Equatable {
    /// The benchmark's identifier.
    public var id: String
    /// The figure in the saved run.
    public var baseline: Double
    /// The figure now.
    public var current: Double
    /// The figure's unit.
    public var unit: BenchmarkUnit
    /// current ÷ baseline (`nil` when the baseline figure is 0).
    public var ratio: Double?
    /// Whether the figure moved the wrong way by more than the tolerance.
    public var regressed: Bool
}

/// A run compared with a saved baseline run.
public struct BaselineComparison: Sendable, Equatable {
    /// The allowed change before a figure counts as a regression, as a fraction (0.10 is 10%).
    public var tolerance: Double
    /// One entry per benchmark present in both runs, in the current run's order.
    public var deltas: [BaselineDelta]
    /// Benchmarks of the current run that the baseline lacks.
    public var new: [String]
    /// Benchmarks of the baseline that the current run lacks.
    public var missing: [String]

    /// The deltas flagged as regressions.
    public var regressions: [BaselineDelta] { deltas.filter(\.regressed) }

    /// Compares `current` with `baseline`.
    ///
    /// A lower-is-better figure regresses when it grows beyond `baseline × (1 + tolerance)`; a
    /// higher-is-better one when it falls below `baseline × (1 − tolerance)`. Results in error
    /// (``BenchmarkVerdict/error(_:)``: no valid figure) in either run are not compared.
    public init(current: BenchmarkReport, baseline: BenchmarkReport, tolerance: Double) {
        self.tolerance = tolerance
        let saved = Dictionary(baseline.results.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let currentIDs = Set(current.results.map(\.id))
        deltas = current.results.compactMap { result in
            guard let before = saved[result.id], before.unit == result.unit,
                result.verdict.errorMessage == nil, before.verdict.errorMessage == nil
            else { return nil }
            let ratio = before.value == 0 ? nil : result.value / before.value
            let regressed: Bool
            switch result.direction {
            case .lower: regressed = result.value > before.value * (1 + tolerance)
            case .higher: regressed = result.value < before.value * (1 - tolerance)
            }
            return BaselineDelta(
                id: result.id,
                baseline: before.value,
                current: result.value,
                unit: result.unit,
                ratio: ratio,
                regressed: regressed
            )
        }
        new = current.results.map(\.id).filter { saved[$0] == nil }
        missing = baseline.results.map(\.id).filter { !currentIDs.contains($0) }
    }
}
