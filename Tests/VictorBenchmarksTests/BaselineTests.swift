import Foundation
import Testing
import VictorBenchmarks

func result(
    _ id: String,
    _ value: Double,
    _ direction: BenchmarkDirection,
    verdict: BenchmarkVerdict = .passed
) -> BenchmarkResult {
    BenchmarkResult(
        id: id,
        category: .lazyLoading,
        name: id,
        metric: "Value",
        value: value,
        unit: .nanoseconds,
        target: 100,
        direction: direction,
        verdict: verdict,
        details: ""
    )
}

@Suite struct BaselineTests {
    func report(_ results: [BenchmarkResult]) -> BenchmarkReport {
        BenchmarkReport(version: "0.0.1", machine: fixedMachine, results: results)
    }

    @Test func lowerIsBetterRegressesBeyondTheTolerance() {
        let baseline = report([result("a", 100, .lower), result("b", 100, .lower)])
        let current = report([result("a", 110, .lower), result("b", 111, .lower)])
        let comparison = BaselineComparison(current: current, baseline: baseline, tolerance: 0.10)
        #expect(comparison.deltas.map(\.regressed) == [false, true])
        #expect(comparison.deltas[1].ratio == 1.11)
        #expect(comparison.regressions.map(\.id) == ["b"])
    }

    @Test func higherIsBetterRegressesWhenItFalls() {
        let baseline = report([result("speedup", 3.3, .higher)])
        let slower = BaselineComparison(
            current: report([result("speedup", 2.9, .higher)]),
            baseline: baseline,
            tolerance: 0.10
        )
        let faster = BaselineComparison(
            current: report([result("speedup", 9, .higher)]),
            baseline: baseline,
            tolerance: 0.10
        )
        #expect(slower.regressions.count == 1)
        #expect(faster.regressions.isEmpty)
    }

    @Test func newAndMissingBenchmarksAreListedNotCompared() {
        let baseline = report([result("old", 1, .lower), result("both", 1, .lower)])
        let current = report([result("both", 1, .lower), result("fresh", 1, .lower)])
        let comparison = BaselineComparison(current: current, baseline: baseline, tolerance: 0)
        #expect(comparison.deltas.map(\.id) == ["both"])
        #expect(comparison.new == ["fresh"])
        #expect(comparison.missing == ["old"])
    }

    @Test func resultsInErrorAreNeverCompared() {
        let baseline = report([result("a", 0, .lower, verdict: .error("crashed")), result("b", 100, .lower)])
        let current = report([result("a", 100, .lower), result("b", 0, .lower, verdict: .error("crashed"))])
        let comparison = BaselineComparison(current: current, baseline: baseline, tolerance: 0.1)
        #expect(comparison.deltas.isEmpty)
        #expect(comparison.regressions.isEmpty)
    }

    @Test func aBaselineSavedBeforeTheErrorFieldReadsItsErrorsFromTheDetails() throws {
        // The shape `victor bench --format json` wrote before results had an `error` field.
        let legacy = """
            {"id": "a", "category": "Lazy Loading", "name": "A", "metric": "M", "value": 0, "unit": "ns",
             "target": 1, "direction": "lower", "passed": false, "details": "error: the process crashed"}
            """
        let missed = """
            {"id": "b", "category": "Lazy Loading", "name": "B", "metric": "M", "value": 2, "unit": "ns",
             "target": 1, "direction": "lower", "passed": false, "details": "2 ns"}
            """
        let decoder = JSONDecoder()
        #expect(
            try decoder.decode(BenchmarkResult.self, from: Data(legacy.utf8)).verdict == .error("the process crashed")
        )
        #expect(try decoder.decode(BenchmarkResult.self, from: Data(missed.utf8)).verdict == .failed)
    }

    @Test func verdictsRoundTripThroughTheJSONReport() throws {
        let results = [
            result("a", 1, .lower), result("b", 1, .lower, verdict: .failed),
            result("c", 1, .lower, verdict: .informational), result("d", 0, .lower, verdict: .error("boom")),
        ]
        let json = try JSONReportRenderer.render(report(results))
        #expect(try JSONReportRenderer.parse(Data(json.utf8)).results.map(\.verdict) == results.map(\.verdict))
        #expect(json.contains(#""error" : "boom""#))
        let summary = BenchmarkSummary(results: results)
        #expect(summary.passed == 1 && summary.failed == 2 && summary.total == 4)
    }
}
