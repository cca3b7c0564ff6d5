import Foundation
import Testing
import VictorBenchmarks

@testable import VictorCommandLine

@Suite struct BenchCommandTests {
    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("victor-\(UUID().uuidString)-\(name)")
    }

    @Test func unknownOptionExitsWithTwo() async {
        let run = await victor(["bench", "--no-such-option"])
        #expect(run.status == 2)
        #expect(run.standardError.hasPrefix("Error: Unknown option '--no-such-option'"))
    }

    @Test func unknownFormatExitsWithTwo() async {
        let run = await victor(["bench", "--format", "xml"])
        #expect(run.status == 2)
        #expect(run.standardError.hasPrefix("Error: The value 'xml' is invalid for '--format <format>'"))
    }

    @Test func aPrefixMatchingNothingExitsWithTwo() async {
        let run = await victor(["bench", "--only", "nothing."])
        #expect(run.status == 2)
        #expect(run.standardOutput.isEmpty)
        #expect(run.standardError.hasPrefix("Error: no benchmark id starts with 'nothing.'\n"))
    }

    @Test func listingPrintsIDCategoryNameAndTarget() async {
        let run = await victor(["bench", "--list", "--only", "memory.", "--only", "persona.store"])
        #expect(run.status == 0)
        #expect(
            run.outputLines == [
                "memory.lazy_savings\tMemory Efficiency\tLazy Loading Memory Savings\t≥ 15.0 %",
                "memory.lru_cache\tMemory Efficiency\tLRU Cache Management\t≤ 3.0 count",
                "persona.store_read_ns\tPersona Manager\tDirectory Store Read\t≤ 200000.0 ns",
            ]
        )
        #expect(run.standardError.isEmpty)
    }

    @Test func aFailedRunExitsWithOneAndARegressionWithThree() {
        func result(_ verdict: BenchmarkVerdict) -> BenchmarkResult {
            BenchmarkResult(
                id: "a",
                category: .lazyLoading,
                name: "A",
                metric: "M",
                value: 200,
                unit: .nanoseconds,
                target: 100,
                direction: .lower,
                verdict: verdict,
                details: ""
            )
        }
        func report(_ value: Double) -> BenchmarkReport {
            var passing = result(.passed)
            passing.value = value
            return BenchmarkReport(machine: .current, results: [passing])
        }
        let regressed = BaselineComparison(current: report(200), baseline: report(100), tolerance: 0.1)
        let failing = BenchmarkSummary(results: [result(.failed)])
        let erring = BenchmarkSummary(results: [result(.error("crashed"))])
        let passing = BenchmarkSummary(results: [result(.passed)])
        #expect(BenchCommand.outcome(failing, regressed)?.exitCode == 1)
        #expect(BenchCommand.outcome(erring, nil)?.exitCode == 1)
        #expect(BenchCommand.outcome(passing, regressed)?.exitCode == 3)
        #expect(BenchCommand.outcome(passing, nil) == nil)
    }

    @Test func toleranceParsesPercentages() {
        #expect(Tolerance(argument: "10")?.fraction == 0.1)
        #expect(Tolerance(argument: "2.5%")?.fraction == 0.025)
        #expect(Tolerance(argument: "-1") == nil)
        #expect(Tolerance(argument: "ten") == nil)
    }

    @Test func aPassingRunWritesJSONAndExitsWithZero() async throws {
        let output = temporaryFile("report.json")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = await victor([
            "bench", "--only", "memory.lru_cache", "--format", "json", "--output", output.path, "--quick",
        ])
        #expect(run.status == 0)
        #expect(run.standardOutput.isEmpty)
        #expect(
            run.errorLines.suffix(2) == ["[1/1] Memory Efficiency…", "      LRU Cache Management (memory.lru_cache)"]
        )
        let report = try JSONReportRenderer.parse(Data(contentsOf: output))
        #expect(report.results.map(\.id) == ["memory.lru_cache"])
        #expect(report.summary.passed == 1)
    }

    @Test func anUnwritableOutputExitsWithTwo() async {
        let run = await victor([
            "bench", "--only", "memory.lru_cache", "--output", "/nonexistent-directory/report.txt", "--quick",
        ])
        #expect(run.status == 2)
        #expect(
            run.standardError
                == "error: --output /nonexistent-directory/report.txt: its directory /nonexistent-directory does not exist\n"
        )
    }

    @Test func theTextReportGoesToStandardOutput() async {
        let run = await victor(["bench", "--only", "persona.store_read_ns", "--quick", "--in-process"])
        #expect([0, 1].contains(run.status))
        #expect(run.outputLines.contains { $0.hasPrefix("Persona Manager (") })
        #expect(run.outputLines.contains { $0.hasPrefix("Directory Store Read  persona.store_read_ns") })
        #expect(run.outputLines.contains { $0.hasPrefix("Summary: ") && $0.hasSuffix(", 1 total") })
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
        #expect(await victor(arguments + ["--save-baseline", saved.path, "--output", "/dev/null"]).status == 0)
        #expect(await victor(arguments + ["--baseline", saved.path, "--output", "/dev/null"]).status == 0)

        // Pretend the baseline kept one component loaded: 3 now is a regression for a lower-is-better figure.
        var report = try JSONReportRenderer.parse(Data(contentsOf: saved))
        report.results[0].value = 1
        try Data(try JSONReportRenderer.render(report).utf8).write(to: saved)
        #expect(await victor(arguments + ["--baseline", saved.path, "--output", "/dev/null"]).status == 3)
        #expect(
            await victor(
                arguments + ["--baseline", saved.path, "--tolerance", "250", "--output", "/dev/null"]
            ).status == 0
        )
    }

    @Test func anUnreadableBaselineExitsWithTwo() async throws {
        let bad = temporaryFile("bad.json")
        defer { try? FileManager.default.removeItem(at: bad) }
        try Data(#"{"suite": "victor-bench"}"#.utf8).write(to: bad)
        #expect(await victor(["bench", "--only", "memory.lru_cache", "--baseline", bad.path]).status == 2)
        #expect(
            await victor(["bench", "--only", "memory.lru_cache", "--baseline", "/nonexistent.json"]).status == 2
        )
        #expect(await victor(["bench", "--tolerance", "lots"]).status == 2)
    }

    @Test func markdownWritesAChartPerCategoryBesideTheReport() async throws {
        let directory = temporaryFile("md")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("report.md")
        let code = await victor([
            "bench", "--only", "memory.lru_cache", "--quick", "--format", "markdown", "--output", output.path,
        ])
        #expect(code.status == 0)
        let markdown = try String(contentsOf: output, encoding: .utf8)
        #expect(markdown.contains("![Memory Efficiency: figures against targets](report-memory-efficiency.svg)"))
        let svg = try String(
            contentsOf: directory.appendingPathComponent("report-memory-efficiency.svg"),
            encoding: .utf8
        )
        #expect(svg.hasPrefix("<svg"))
    }
}

/// `victor bench` checks its paths before measuring, never loses a report to a failed write,
/// and prints plain errors without the root usage line (issue 9).
@Suite struct BenchCommandErrorTests {
    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("victor-\(UUID().uuidString)-\(name)")
    }

    @Test func anUnwritableOutputStopsTheRunBeforeAnythingIsMeasured() throws {
        let run = try runVictor([
            "bench", "--only", "memory.lru_cache", "--quick", "--output", "/nonexistent-dir/r.txt",
        ])
        #expect(run.status == 2)
        // Nothing but the error: no progress lines, no debug-build warning, no usage line.
        #expect(
            run.standardError
                == "error: --output /nonexistent-dir/r.txt: its directory /nonexistent-dir does not exist\n"
        )
        let directory = FileManager.default.temporaryDirectory.path
        let baseline = try runVictor(["bench", "--only", "memory.lru_cache", "--quick", "--save-baseline", directory])
        #expect(baseline.status == 2)
        #expect(baseline.standardError == "error: --save-baseline \(directory): is a directory, not a file\n")
    }

    @Test func aBaselineThatCannotBeSavedStillDeliversTheReport() async throws {
        let output = temporaryFile("report.json")
        defer { try? FileManager.default.removeItem(at: output) }
        // /dev/full accepts the open and fails every write: the failure comes after the run.
        let code = await victor([
            "bench", "--only", "memory.lru_cache", "--quick", "--format", "json", "--output", output.path,
            "--save-baseline", "/dev/full",
        ])
        #expect(code.status == 2)
        let report = try JSONReportRenderer.parse(Data(contentsOf: output))
        #expect(report.results.map(\.id) == ["memory.lru_cache"])
    }

    @Test func aReportThatCannotBeWrittenGoesToStandardOutput() throws {
        let run = try runVictor([
            "bench", "--only", "memory.lru_cache", "--quick", "--format", "json", "--output", "/dev/full",
        ])
        #expect(run.status == 2)
        let report = try JSONReportRenderer.parse(Data(run.standardOutput.utf8))
        #expect(report.results.map(\.id) == ["memory.lru_cache"])
        #expect(
            run.standardError.contains("error: --output: the report was not written, so it follows on standard output")
        )
    }

    @Test func aNegativeToleranceIsOutOfRangeNotAMissingValue() throws {
        let run = try runVictor(["bench", "--tolerance", "-5"])
        #expect(run.status == 2)
        #expect(run.standardError.contains("--tolerance must be a percentage of 0 or more, such as 10 or 2.5%, not -5"))
        #expect(!run.standardError.contains("Missing value"))
        #expect(try runVictor(["bench", "--list", "--tolerance", "2.5%"]).status == 0)
    }

    @Test func runErrorsPrintTheMessageNotTheRootUsage() throws {
        let run = try runVictor(["bench", "--only", "memory.lru_cache", "--baseline", "/nonexistent.json"])
        #expect(run.status == 2)
        #expect(run.standardError == "error: cannot read the baseline /nonexistent.json: no such file\n")
        let bad = temporaryFile("bad.json")
        defer { try? FileManager.default.removeItem(at: bad) }
        try Data(#"{"suite": "victor-bench"}"#.utf8).write(to: bad)
        let unreadable = try runVictor(["bench", "--only", "memory.lru_cache", "--baseline", bad.path])
        #expect(unreadable.status == 2)
        #expect(unreadable.standardError.hasPrefix("error: \(bad.path): not a victor-bench report"))
        #expect(!unreadable.standardError.contains("Usage: victor <subcommand>"))
    }
}
