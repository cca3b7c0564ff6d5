import Foundation
import Testing
import VictorBenchmarks

@Suite struct BenchmarkSuiteTests {
    @Test func idsAreUnique() {
        let ids = BenchmarkSuite.all.map(\.id)
        #expect(Set(ids).count == ids.count)
    }

    @Test func loaderBenchmarksArePresentWithTheirTargets() throws {
        let byID = Dictionary(uniqueKeysWithValues: BenchmarkSuite.all.map { ($0.id, $0) })
        let expected: [(String, Double?)] = [
            ("lazy.initialization", nil), ("lazy.first_access", 30), ("lazy.cached_access", 1),
            ("memory.lazy_savings", 15), ("memory.lru_cache", 3),
            ("loader.get_typed_ns", 12), ("loader.get_string_ns", nil), ("loader.register_ns", 500),
            ("loader.register_1m_ms", 1000), ("loader.heap_bytes_per_component", 200),
            ("loader.single_flight_factory_calls", 1),
        ]
        for (id, target) in expected {
            let benchmark = try #require(byID[id], "missing \(id)")
            #expect(benchmark.target == target, "\(id)")
        }
        #expect(byID["memory.lazy_savings"]?.direction == .higher)
    }

    @Test func seedBenchmarksComeFirstInEachCategoryInReportOrder() {
        let all = BenchmarkSuite.all
        let categoryOrder = all.map(\.category).reduce(into: [BenchmarkCategory]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        #expect(categoryOrder == BenchmarkCategory.allCases)
        let seedInRun = all.map(\.id).filter(BenchmarkSuite.seedIDs.contains)
        #expect(seedInRun == BenchmarkSuite.seedIDs.filter(seedInRun.contains))
        for category in categoryOrder {
            let ids = all.filter { $0.category == category }.map(\.id)
            let firstExtended = ids.firstIndex { !BenchmarkSuite.seedIDs.contains($0) } ?? ids.count
            #expect(ids[firstExtended...].allSatisfy { !BenchmarkSuite.seedIDs.contains($0) }, "\(category)")
        }
    }

    @Test func selectingByPrefix() {
        let memory = BenchmarkSuite.selecting(prefixes: ["memory."])
        #expect(memory.map(\.id) == ["memory.lazy_savings", "memory.lru_cache"])
        let two = BenchmarkSuite.selecting(prefixes: ["memory.lru", "lazy.first"])
        #expect(Set(two.map(\.id)) == ["memory.lru_cache", "lazy.first_access"])
        #expect(BenchmarkSuite.selecting(prefixes: ["nothing."]).isEmpty)
        #expect(BenchmarkSuite.selecting(prefixes: []).count == BenchmarkSuite.all.count)
    }

    @Test func theLRUBenchmarkMeasuresThreeLoadedComponents() async {
        let report = await BenchmarkRunner(benchmarks: BenchmarkSuite.selecting(prefixes: ["memory.lru_cache"])).run()
        #expect(report.results.first?.value == 3)
        #expect(report.results.first?.passed == true)
    }
}
