import Testing
import VictorBenchmarks
import VictorTestSupport

@Suite struct ShortestScheduleTests {
    @Test(arguments: [
        // 10 equal tasks on 4 workers: 3 waves.
        ([Double](repeating: 50, count: 10), 4, 150.0),
        // One long task decides.
        ([200, 10, 10, 10], 4, 200),
        // The 4th and 5th longest share a worker.
        ([60, 60, 60, 55, 55], 4, 110),
        // Uneven sleeps pack better than 3 waves of the longest: 7th + 8th + 9th.
        ([50.9, 50.8, 50.7, 50.6, 50.5, 50.4, 50.3, 50.2, 50.1, 50.0], 4, 150.6),
        // The total shared by the workers.
        ([Double](repeating: 1, count: 9), 3, 3),
        ([], 4, 0),
        ([5], 0, 0),
    ])
    func knownWorkloads(durations: [Double], workers: Int, expected: Double) {
        #expect(abs(Measure.shortestSchedule(durations, workers: workers) - expected) < 1e-9)
    }

    /// The bound never exceeds the best schedule, found by trying every assignment.
    @Test func neverExceedsTheBestSchedule() {
        var generator = SplitMix(state: 0x5EED)
        for _ in 0..<300 {
            let workers = Int.random(in: 1...3, using: &generator)
            let durations = (0..<Int.random(in: 1...7, using: &generator)).map { _ in
                Double(Int.random(in: 1...20, using: &generator))
            }
            let bound = Measure.shortestSchedule(durations, workers: workers)
            let best = bestMakespan(durations, workers: workers)
            #expect(bound <= best + 1e-9, "\(durations) on \(workers): bound \(bound), best \(best)")
            #expect(bound >= durations.max()!)
        }
    }

    func bestMakespan(_ durations: [Double], workers: Int) -> Double {
        var best = Double.infinity
        var loads = [Double](repeating: 0, count: workers)
        func place(_ index: Int) {
            guard index < durations.count else {
                best = min(best, loads.max()!)
                return
            }
            for worker in 0..<workers {
                loads[worker] += durations[index]
                place(index + 1)
                loads[worker] -= durations[index]
            }
        }
        place(0)
        return best
    }
}
