import Foundation
import Testing
import VictorBenchmarks

let fixedMachine = MachineInfo(
    cpu: "Test CPU",
    cores: 2,
    memoryBytes: 24 << 30,
    os: "Test OS",
    swift: "6.3",
    build: "release"
)

let fixedResults = [
    BenchmarkResult(
        id: "lazy.cached_access",
        category: .lazyLoading,
        name: "Cached Access",
        metric: "Avg Cached Access",
        value: 0.000021,
        unit: .milliseconds,
        target: 1,
        direction: .lower,
        verdict: .passed,
        details: "21 ns"
    ),
    BenchmarkResult(
        id: "memory.lru_cache",
        category: .memoryEfficiency,
        name: "LRU Cache Management",
        metric: "Loaded Components",
        value: 10,
        unit: .count,
        target: 3,
        direction: .lower,
        verdict: .failed,
        details: "all stayed loaded"
    ),
    BenchmarkResult(
        id: "memory.info",
        category: .memoryEfficiency,
        name: "Informational",
        metric: "Bytes",
        value: 1536,
        unit: .bytes,
        target: nil,
        direction: .lower,
        verdict: .informational,
        details: ""
    ),
]

@Suite struct ReportRendererTests {
    @Test func textReportMatchesTheGoldenOutput() {
        let report = BenchmarkReport(version: "0.0.1", machine: fixedMachine, results: fixedResults)
        let expected = """
            Victor 0.0.1 benchmarks — Test CPU, 2 cores, release build

            Lazy Loading (1/1 passed)
            Benchmark      ID                  Value        Target  Status
            -------------  ------------------  -----------  ------  ------
            Cached Access  lazy.cached_access  0.000021 ms  ≤ 1 ms  PASS

            Memory Efficiency (0/1 passed)
            Benchmark             ID                Value        Target  Status
            --------------------  ----------------  -----------  ------  ------
            LRU Cache Management  memory.lru_cache  10           ≤ 3     FAIL
            Informational         memory.info       1,536 bytes  —       INFO

            Summary: 1 passed, 1 failed, 3 total
              FAIL memory.lru_cache: all stayed loaded

            """
        #expect(TextReportRenderer.render(report) == expected)
    }

    @Test func debugBuildsCarryAWarning() {
        var machine = fixedMachine
        machine.build = "debug"
        let rendered = TextReportRenderer.render(BenchmarkReport(machine: machine, results: fixedResults))
        #expect(rendered.contains("WARNING: debug build"))
    }

    @Test func jsonFollowsTheStableSchema() throws {
        let report = BenchmarkReport(version: "0.0.1", machine: fixedMachine, results: fixedResults)
        let json = try JSONReportRenderer.render(report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["suite", "version", "machine", "results", "summary"])
        #expect(object["suite"] as? String == "victor-bench")
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(Set(machine.keys) == ["cpu", "cores", "memoryBytes", "os", "swift", "build"])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == 3)
        for result in results {
            #expect(
                Set(result.keys) == [
                    "id", "category", "name", "metric", "value", "unit", "target", "direction", "passed", "error",
                    "details",
                ]
            )
        }
        #expect(results[2]["target"] is NSNull)
        #expect(results[2]["passed"] is NSNull)
        #expect(results[1]["error"] is NSNull)
        #expect(results[1]["unit"] as? String == "count")
        #expect(results[0]["unit"] as? String == "ms")
        let summary = try #require(object["summary"] as? [String: Int])
        #expect(summary == ["passed": 1, "failed": 1, "total": 3])
        #expect(try JSONReportRenderer.parse(Data(json.utf8)) == report)
    }
}
