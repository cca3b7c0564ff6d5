public import VictorTelemetry

/// Timing helpers for benchmark workloads: warm-up excluded, medians over many samples.
public enum Measure {
    /// Nanoseconds since an arbitrary fixed point, from the clock every component times itself with.
    @inlinable
    public static func now() -> UInt64 {
        MonotonicClock.nanoseconds()
    }

    /// Median nanoseconds per operation.
    ///
    /// `body(batch)` must perform `batch` operations. It runs once untimed to warm up, then
    /// `samples` times timed; the result is the median over samples of elapsed ÷ `batch`.
    public static func nanosecondsPerOperation(
        samples: Int,
        batch: Int,
        _ body: (Int) throws -> Void
    ) rethrows -> Double {
        try body(batch)
        var perOperation: [Double] = []
        perOperation.reserveCapacity(samples)
        for _ in 0..<max(1, samples) {
            let start = now()
            try body(batch)
            perOperation.append(Double(now() - start) / Double(max(1, batch)))
        }
        return median(perOperation)
    }

    /// Median nanoseconds per operation of two workloads timed in alternation, and the median
    /// of the pairs' ratios (`first ÷ second`).
    ///
    /// Each sample times `first(batch)` and then `second(batch)`, after one untimed run of each.
    /// A machine whose speed changes during the run (a busy neighbour on the core, a move to
    /// another processor) slows both halves of a pair alike, so the ratio follows the code, where
    /// two medians timed one after the other can each catch a different machine.
    public static func alternating(
        samples: Int,
        batch: Int,
        _ first: (Int) throws -> Void,
        _ second: (Int) throws -> Void
    ) rethrows -> (first: Double, second: Double, ratio: Double) {
        try first(batch)
        try second(batch)
        var firsts: [Double] = []
        var seconds: [Double] = []
        var ratios: [Double] = []
        for _ in 0..<max(1, samples) {
            let start = now()
            try first(batch)
            let middle = now()
            try second(batch)
            let end = now()
            // A half that took less than the clock's nanosecond counts as one, so ratios stay finite.
            let a = Double(max(middle - start, 1)) / Double(max(1, batch))
            let b = Double(max(end - middle, 1)) / Double(max(1, batch))
            firsts.append(a)
            seconds.append(b)
            ratios.append(a / b)
        }
        return (median(firsts), median(seconds), median(ratios))
    }

    /// The asynchronous form of ``nanosecondsPerOperation(samples:batch:_:)-(_,_,(Int)->Void)``.
    public static func nanosecondsPerOperation(
        samples: Int,
        batch: Int,
        _ body: (Int) async throws -> Void
    ) async rethrows -> Double {
        try await body(batch)
        var perOperation: [Double] = []
        perOperation.reserveCapacity(samples)
        for _ in 0..<max(1, samples) {
            let start = now()
            try await body(batch)
            perOperation.append(Double(now() - start) / Double(max(1, batch)))
        }
        return median(perOperation)
    }

    /// Median milliseconds of `body` over `samples` timed runs after `warmUp` untimed ones.
    public static func milliseconds(
        samples: Int,
        warmUp: Int = 1,
        _ body: () async throws -> Void
    ) async rethrows -> Double {
        for _ in 0..<warmUp { try await body() }
        var times: [Double] = []
        for _ in 0..<max(1, samples) {
            let start = now()
            try await body()
            times.append(Double(now() - start) / 1_000_000)
        }
        return median(times)
    }

    /// The median of `values` (the mean of the middle two for an even count); 0 when empty.
    public static func median(_ values: [Double]) -> Double {
        percentile(values, 50)
    }

    /// The shortest time in which `workers` workers can run tasks of `durations`, each task on one
    /// worker without interruption: no schedule, however lucky, finishes sooner.
    ///
    /// It is the largest of three lower bounds. The workers share the total: `sum ÷ workers`.
    /// Every task runs on one worker: the longest task. And among the `k × workers + 1` longest
    /// tasks, some worker runs `k + 1`: the sum of the `k + 1` shortest of them. For 10 equal
    /// tasks on 4 workers that is 3 tasks' time; when durations differ it can be less.
    /// 0 for no tasks or no workers.
    public static func shortestSchedule(_ durations: [Double], workers: Int) -> Double {
        guard workers > 0, !durations.isEmpty else { return 0 }
        let sorted = durations.sorted(by: >)
        var bound = sorted.reduce(0, +) / Double(workers)
        var k = 0
        while k * workers < sorted.count {
            let top = k * workers + 1
            bound = max(bound, sorted[(top - k - 1)..<top].reduce(0, +))
            k += 1
        }
        return bound
    }

    /// The `p`-th percentile of `values` by linear interpolation between closest ranks; 0 when empty.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = (p / 100) * Double(sorted.count - 1)
        let lower = Int(rank.rounded(.down))
        let upper = min(sorted.count - 1, lower + 1)
        let fraction = rank - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}

/// Keeps `value` alive and opaque to the optimizer, so a measured loop can't be removed.
@inline(never)
public func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
