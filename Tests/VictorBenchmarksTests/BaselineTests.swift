import Foundation
import Testing
import VictorBenchmarks

@testable import VictorCommandLine

func result(_ id: String, _ value: Double, _ direction: BenchmarkDirection, passed: Bool? = true) -> BenchmarkResult {
    BenchmarkResult(
        id: id,
        category: "Test",
        name: id,
        metric: "Value",
        value: value,
        unit: .nanoseconds,
        target: 100,
        direction: direction,
        passed: passed,
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

    @Test func exitStatusPrefersFailuresOverRegressions() {
        let baseline = report([result("a", 100, .lower)])
        let regressed = BaselineComparison(
            current: report([result("a", 200, .lower)]),
            baseline: baseline,
            tolerance: 0.1
        )
        let failing = BenchmarkSummary(results: [result("a", 200, .lower, passed: false)])
        let passing = BenchmarkSummary(results: [result("a", 200, .lower)])
        #expect(BenchCommand.exitStatus(failing, regressed) == 1)
        #expect(BenchCommand.exitStatus(passing, regressed) == 3)
        #expect(BenchCommand.exitStatus(passing, nil) == 0)
        #expect(BenchCommand.exitStatus(failing, nil) == 1)
    }

    @Test func toleranceParsesPercentages() {
        #expect(Tolerance(argument: "10")?.fraction == 0.1)
        #expect(Tolerance(argument: "2.5%")?.fraction == 0.025)
        #expect(Tolerance(argument: "-1") == nil)
        #expect(Tolerance(argument: "ten") == nil)
    }
}
