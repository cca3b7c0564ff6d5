/// The benchmarks `victor bench` runs.
public enum BenchmarkSuite {
    /// The identifiers of the thirteen benchmarks of the Phase 4 report, in its order.
    public static let seedIDs = [
        "lazy.initialization", "lazy.first_access", "lazy.cached_access",
        "parallel.speedup", "parallel.adaptive", "parallel.overhead",
        "memory.lazy_savings", "memory.lru_cache",
        "persona.load", "persona.adapt_cached", "persona.merge",
        "security.check", "security.bulk",
    ]

    /// Every benchmark: by category in report order, the seed's before the extended ones.
    public static var all: [Benchmark] {
        let unordered =
            LoadingBenchmarks.all + ExecutionBenchmarks.all + PersonaBenchmarks.all + SecurityBenchmarks.all
            + RuntimeBenchmarks.all + ServeBenchmarks.all + StoreBenchmarks.all + MCPBenchmarks.all
            + MachineFloor.all
        let seedRank = Dictionary(uniqueKeysWithValues: seedIDs.enumerated().map { ($1, $0) })
        return unordered.enumerated().sorted { lhs, rhs in
            if lhs.element.category != rhs.element.category { return lhs.element.category < rhs.element.category }
            let left = (seedRank[lhs.element.id] ?? seedIDs.count, lhs.offset)
            let right = (seedRank[rhs.element.id] ?? seedIDs.count, rhs.offset)
            return left < right
        }.map(\.element)
    }

    /// The benchmarks whose identifier starts with any of `prefixes` (all of them when empty).
    public static func selecting(prefixes: [String], from benchmarks: [Benchmark] = all) -> [Benchmark] {
        guard !prefixes.isEmpty else { return benchmarks }
        return benchmarks.filter { benchmark in prefixes.contains { benchmark.id.hasPrefix($0) } }
    }
}
