import Foundation
import Testing
import VictorBenchmarks

func fixedBenchmark(
    id: String = "test.fixed",
    target: Double?,
    direction: BenchmarkDirection,
    measurement: BenchmarkMeasurement
) -> Benchmark {
    Benchmark(
        id: id,
        category: .lazyLoading,
        name: "Fixed",
        metric: "Value",
        unit: .nanoseconds,
        target: target,
        direction: direction
    ) { _ in measurement }
}

@Suite struct BenchmarkRunnerTests {
    @Test func lowerIsBetterPassesAtOrBelowTheTarget() {
        let atTarget = fixedBenchmark(target: 10, direction: .lower, measurement: .init(value: 10, details: ""))
        let above = fixedBenchmark(target: 10, direction: .lower, measurement: .init(value: 10.5, details: ""))
        #expect(BenchmarkRunner.judge(atTarget, .init(value: 10, details: "")).passed == true)
        #expect(BenchmarkRunner.judge(above, .init(value: 10.5, details: "")).passed == false)
    }

    @Test func higherIsBetterPassesAtOrAboveTheTarget() {
        let benchmark = fixedBenchmark(target: 15, direction: .higher, measurement: .init(value: 0, details: ""))
        #expect(BenchmarkRunner.judge(benchmark, .init(value: 75, details: "")).passed == true)
        #expect(BenchmarkRunner.judge(benchmark, .init(value: 14.9, details: "")).passed == false)
    }

    @Test func aFigureWithoutTargetIsInformational() {
        let benchmark = fixedBenchmark(target: nil, direction: .lower, measurement: .init(value: 1, details: ""))
        let result = BenchmarkRunner.judge(benchmark, .init(value: 1, details: "d"))
        #expect(result.passed == nil)
        #expect(result.target == nil)
    }

    @Test func aMeasuredTargetReplacesTheFixedOne() {
        let benchmark = fixedBenchmark(target: nil, direction: .lower, measurement: .init(value: 0, details: ""))
        let result = BenchmarkRunner.judge(benchmark, .init(value: 5, details: "", target: 8))
        #expect(result.target == 8)
        #expect(result.passed == true)
    }

    @Test func aFigureBeyondPhysicsIsAMeasurementError() {
        let benchmark = fixedBenchmark(target: 1.15, direction: .higher, measurement: .init(value: 0, details: ""))
        let result = BenchmarkRunner.judge(benchmark, .init(value: 7.39, details: "10 tasks", physicalLimit: 4))
        #expect(result.passed == false)
        #expect(result.details.hasPrefix("measurement error"))
        let honest = BenchmarkRunner.judge(benchmark, .init(value: 3.3, details: "", physicalLimit: 10.0 / 3))
        #expect(honest.passed == true)
    }

    @Test func aFigureAtItsLimitWithinItsOwnNoiseIsNotAnError() {
        let benchmark = fixedBenchmark(target: 1.7, direction: .higher, measurement: .init(value: 0, details: ""))
        let withinNoise = BenchmarkRunner.judge(
            benchmark,
            .init(value: 2.006, details: "", physicalLimit: 2, relativeUncertainty: 0.01)
        )
        #expect(withinNoise.passed == true)
        #expect(withinNoise.details.hasPrefix("at the physical limit"))
        let beyondNoise = BenchmarkRunner.judge(
            benchmark,
            .init(value: 2.1, details: "", physicalLimit: 2, relativeUncertainty: 0.01)
        )
        #expect(beyondNoise.passed == false)
        // However noisy the samples, 5% past physics is a measurement error.
        let noisy = BenchmarkRunner.judge(
            benchmark,
            .init(value: 2.2, details: "", physicalLimit: 2, relativeUncertainty: 0.5)
        )
        #expect(noisy.passed == false)
        #expect(noisy.details.hasPrefix("measurement error"))
    }

    @Test func aNonFiniteFigureIsAMeasurementError() {
        let benchmark = fixedBenchmark(target: 1, direction: .lower, measurement: .init(value: 0, details: ""))
        let result = BenchmarkRunner.judge(benchmark, .init(value: .nan, details: ""))
        #expect(result.passed == false)
        #expect(result.value == 0)
    }

    @Test func aThrowingWorkloadBecomesAFailedResult() async {
        struct Broken: Error {}
        let benchmark = Benchmark(
            id: "test.broken",
            category: .lazyLoading,
            name: "Broken",
            metric: "Value",
            unit: .count,
            target: 1,
            direction: .lower
        ) { _ in throw Broken() }
        let report = await BenchmarkRunner(benchmarks: [benchmark]).run()
        #expect(report.results.count == 1)
        #expect(report.results[0].passed == false)
        #expect(report.results[0].details.hasPrefix("error:"))
        #expect(report.results[0].verdict == .error("Broken()"))
        #expect(report.summary == BenchmarkSummary(results: report.results))
        #expect(report.summary.failed == 1)
    }

    @Test func progressIsReportedBeforeEachBenchmark() async {
        let benchmarks = (1...3).map {
            fixedBenchmark(id: "test.\($0)", target: nil, direction: .lower, measurement: .init(value: 1, details: ""))
        }
        var seen: [String] = []
        _ = await BenchmarkRunner(benchmarks: benchmarks).run { seen.append("\($0.index)/\($0.total) \($0.id)") }
        #expect(seen == ["1/3 test.1", "2/3 test.2", "3/3 test.3"])
    }

    @Test func medianAndPercentiles() {
        #expect(Measure.median([]) == 0)
        #expect(Measure.median([3, 1, 2]) == 2)
        #expect(Measure.median([4, 1, 3, 2]) == 2.5)
        #expect(Measure.percentile(Array(stride(from: 1.0, through: 101, by: 1)), 99) == 100)
        #expect(Measure.percentile([5], 99) == 5)
    }

    @Test func alternatingTimingRunsTheTwoWorkloadsInTurnWithTheBatchAndAWarmUpEach() {
        var calls: [String] = []
        let (first, second, ratio) = Measure.alternating(samples: 3, batch: 7) { count in
            calls.append("first \(count)")
        } _: { count in
            calls.append("second \(count)")
        }
        #expect(calls == Array(repeating: ["first 7", "second 7"], count: 4).flatMap { $0 })
        #expect(first > 0 && second > 0)
        #expect(ratio > 0 && ratio.isFinite, "halves too quick to time still give a finite ratio")
    }
}
