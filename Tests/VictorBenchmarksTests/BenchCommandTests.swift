import Foundation
import Testing
import VictorBenchmarks

@testable import VictorCommandLine

@Suite struct BenchCommandTests {
    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("victor-\(UUID().uuidString)-\(name)")
    }

    @Test func unknownOptionExitsWithTwo() async {
        #expect(await VictorCommand.runMain(["bench", "--no-such-option"]) == 2)
    }

    @Test func unknownFormatExitsWithTwo() async {
        #expect(await VictorCommand.runMain(["bench", "--format", "xml"]) == 2)
    }

    @Test func aPrefixMatchingNothingExitsWithTwo() async {
        #expect(await VictorCommand.runMain(["bench", "--only", "nothing."]) == 2)
    }

    @Test func listingExitsWithZero() async {
        #expect(await VictorCommand.runMain(["bench", "--list", "--only", "memory."]) == 0)
    }

    @Test func aPassingRunWritesJSONAndExitsWithZero() async throws {
        let output = temporaryFile("report.json")
        defer { try? FileManager.default.removeItem(at: output) }
        let code = await VictorCommand.runMain([
            "bench", "--only", "memory.lru_cache", "--format", "json", "--output", output.path, "--quick",
        ])
        #expect(code == 0)
        let report = try JSONReportRenderer.parse(Data(contentsOf: output))
        #expect(report.results.map(\.id) == ["memory.lru_cache"])
        #expect(report.summary.passed == 1)
    }

    @Test func anUnwritableOutputExitsWithTwo() async {
        let code = await VictorCommand.runMain([
            "bench", "--only", "memory.lru_cache", "--output", "/nonexistent-directory/report.txt", "--quick",
        ])
        #expect(code == 2)
    }
}

@Suite struct BenchBaselineCommandTests {
    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("victor-\(UUID().uuidString)-\(name)")
    }

    @Test func aRegressionAgainstTheBaselineExitsWithThree() async throws {
        let saved = temporaryFile("baseline.json")
        defer { try? FileManager.default.removeItem(at: saved) }
        let arguments = ["bench", "--only", "memory.lru_cache", "--quick", "--format", "json"]
        #expect(await VictorCommand.runMain(arguments + ["--save-baseline", saved.path, "--output", "/dev/null"]) == 0)
        #expect(await VictorCommand.runMain(arguments + ["--baseline", saved.path, "--output", "/dev/null"]) == 0)

        // Pretend the baseline kept one component loaded: 3 now is a regression for a lower-is-better figure.
        var report = try JSONReportRenderer.parse(Data(contentsOf: saved))
        report.results[0].value = 1
        try Data(try JSONReportRenderer.render(report).utf8).write(to: saved)
        #expect(await VictorCommand.runMain(arguments + ["--baseline", saved.path, "--output", "/dev/null"]) == 3)
        #expect(
            await VictorCommand.runMain(
                arguments + ["--baseline", saved.path, "--tolerance", "250", "--output", "/dev/null"]
            ) == 0
        )
    }

    @Test func anUnreadableBaselineExitsWithTwo() async throws {
        let bad = temporaryFile("bad.json")
        defer { try? FileManager.default.removeItem(at: bad) }
        try Data(#"{"suite": "victor-bench"}"#.utf8).write(to: bad)
        #expect(await VictorCommand.runMain(["bench", "--only", "memory.lru_cache", "--baseline", bad.path]) == 2)
        #expect(
            await VictorCommand.runMain(["bench", "--only", "memory.lru_cache", "--baseline", "/nonexistent.json"]) == 2
        )
        #expect(await VictorCommand.runMain(["bench", "--tolerance", "lots"]) == 2)
    }

    @Test func markdownWritesAChartPerCategoryBesideTheReport() async throws {
        let directory = temporaryFile("md")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("report.md")
        let code = await VictorCommand.runMain([
            "bench", "--only", "memory.lru_cache", "--quick", "--format", "markdown", "--output", output.path,
        ])
        #expect(code == 0)
        let markdown = try String(contentsOf: output, encoding: .utf8)
        #expect(markdown.contains("![Memory Efficiency: figures against targets](report-memory-efficiency.svg)"))
        let svg = try String(
            contentsOf: directory.appendingPathComponent("report-memory-efficiency.svg"),
            encoding: .utf8
        )
        #expect(svg.hasPrefix("<svg"))
    }
}

@Suite struct BenchIsolationTests {
    let benchmark = BenchmarkSuite.selecting(prefixes: ["memory.lru_cache"])[0]

    @Test func anExecutableThatCannotStartIsAFailedResult() {
        let result = BenchIsolation.run(benchmark, BenchmarkContext(quick: true), executable: "/nonexistent/victor")
        #expect(result.id == "memory.lru_cache")
        #expect(result.passed == false)
        #expect(result.details.contains("cannot start /nonexistent/victor"))
    }

    @Test func aProcessWithoutAReportIsAFailedResult() {
        let result = BenchIsolation.run(benchmark, BenchmarkContext(quick: true), executable: "/bin/false")
        #expect(result.passed == false)
        #expect(result.details.contains("exited with status 1 without a report"))
    }

    @Test func theTestRunnerIsNotMistakenForVictor() {
        #expect(BenchIsolation.currentExecutable == nil)
    }
}
