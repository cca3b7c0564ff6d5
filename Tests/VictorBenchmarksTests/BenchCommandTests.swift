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
        #expect(result.details.contains("cannot start /nonexistent/victor: there is no executable file at that path"))
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

/// `victor bench` checks its paths before measuring, never loses a report to a failed write,
/// and prints plain errors without the root usage line (issue 9).
@Suite struct BenchCommandErrorTests {
    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("victor-\(UUID().uuidString)-\(name)")
    }

    /// Runs the `victor` executable built beside the tests.
    func victor(_ arguments: [String]) throws -> Run {
        var candidates: [URL] = []
        if let path = Bundle.main.executablePath {
            var directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("victor"))
                directory = directory.deletingLastPathComponent()
            }
        }
        let executable = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) })
        let output = temporaryFile("stdout")
        let errors = temporaryFile("stderr")
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            standardOutput: try String(contentsOf: output, encoding: .utf8),
            standardError: try String(contentsOf: errors, encoding: .utf8)
        )
    }

    @Test func anUnwritableOutputStopsTheRunBeforeAnythingIsMeasured() throws {
        let run = try victor(["bench", "--only", "memory.lru_cache", "--quick", "--output", "/nonexistent-dir/r.txt"])
        #expect(run.status == 2)
        // Nothing but the error: no progress lines, no debug-build warning, no usage line.
        #expect(
            run.standardError
                == "error: --output /nonexistent-dir/r.txt: its directory /nonexistent-dir does not exist\n"
        )
        let directory = FileManager.default.temporaryDirectory.path
        let baseline = try victor(["bench", "--only", "memory.lru_cache", "--quick", "--save-baseline", directory])
        #expect(baseline.status == 2)
        #expect(baseline.standardError == "error: --save-baseline \(directory): is a directory, not a file\n")
    }

    @Test func aBaselineThatCannotBeSavedStillDeliversTheReport() async throws {
        let output = temporaryFile("report.json")
        defer { try? FileManager.default.removeItem(at: output) }
        // /dev/full accepts the open and fails every write: the failure comes after the run.
        let code = await VictorCommand.runMain([
            "bench", "--only", "memory.lru_cache", "--quick", "--format", "json", "--output", output.path,
            "--save-baseline", "/dev/full",
        ])
        #expect(code == 2)
        let report = try JSONReportRenderer.parse(Data(contentsOf: output))
        #expect(report.results.map(\.id) == ["memory.lru_cache"])
    }

    @Test func aReportThatCannotBeWrittenGoesToStandardOutput() throws {
        let run = try victor([
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
        let run = try victor(["bench", "--tolerance", "-5"])
        #expect(run.status == 2)
        #expect(run.standardError.contains("--tolerance must be a percentage of 0 or more, such as 10 or 2.5%, not -5"))
        #expect(!run.standardError.contains("Missing value"))
        #expect(try victor(["bench", "--list", "--tolerance", "2.5%"]).status == 0)
    }

    @Test func runErrorsPrintTheMessageNotTheRootUsage() throws {
        let run = try victor(["bench", "--only", "memory.lru_cache", "--baseline", "/nonexistent.json"])
        #expect(run.status == 2)
        #expect(run.standardError == "error: cannot read the baseline /nonexistent.json: no such file\n")
        let bad = temporaryFile("bad.json")
        defer { try? FileManager.default.removeItem(at: bad) }
        try Data(#"{"suite": "victor-bench"}"#.utf8).write(to: bad)
        let unreadable = try victor(["bench", "--only", "memory.lru_cache", "--baseline", bad.path])
        #expect(unreadable.status == 2)
        #expect(unreadable.standardError.hasPrefix("error: \(bad.path): not a victor-bench report"))
        #expect(!unreadable.standardError.contains("Usage: victor <subcommand>"))
    }
}
