import Foundation
import Testing
import VictorBenchmarks

@Suite struct BenchmarkProcessIsolationTests {
    let benchmark = BenchmarkSuite.selecting(prefixes: ["memory.lru_cache"])[0]

    @Test func anExecutableThatCannotStartIsAResultInError() async {
        let isolation = BenchmarkProcessIsolation(executable: "/nonexistent/victor", arguments: ["bench"])
        let result = await isolation.run(benchmark, BenchmarkContext(quick: true))
        #expect(result.id == "memory.lru_cache")
        #expect(result.verdict == .error("cannot start /nonexistent/victor: there is no executable file at that path"))
        #expect(result.passed == false)
    }

    @Test func aProcessWithoutAReportIsAResultInError() async {
        let isolation = BenchmarkProcessIsolation(executable: "/bin/false", arguments: [])
        let result = await isolation.run(benchmark, BenchmarkContext(quick: true))
        #expect(result.verdict.errorMessage?.contains("exited with status 1 without a report") == true)
    }

    @Test func theChildsLastErrorLinesAreKept() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("victor-child-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: script) }
        try Data("#!/bin/sh\necho one >&2\necho two >&2\nkill -9 $$\n".utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let result = await BenchmarkProcessIsolation(executable: script.path, arguments: []).run(
            benchmark,
            BenchmarkContext(quick: true)
        )
        #expect(result.verdict == .error("the benchmark's process was killed by signal 9 without a report: one | two"))
    }

    @Test func aChildsReportIsTheResult() async throws {
        let report = BenchmarkReport(
            machine: MachineInfo.current,
            results: [BenchmarkRunner.judge(benchmark, BenchmarkMeasurement(value: 2, details: "from the child"))]
        )
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("victor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let reportFile = directory.appendingPathComponent("report.json")
        try Data(try JSONReportRenderer.render(report).utf8).write(to: reportFile)
        let script = directory.appendingPathComponent("child")
        // The child checks the arguments it is given, then prints the report.
        try Data(
            """
            #!/bin/sh
            [ "$*" = "bench --benchmark-id memory.lru_cache --format json --in-process --quick" ] || exit 7
            cat '\(reportFile.path)'
            """.utf8
        ).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let result = await BenchmarkProcessIsolation(executable: script.path, arguments: ["bench"]).run(
            benchmark,
            BenchmarkContext(quick: true)
        )
        #expect(result == report.results[0])
        #expect(result.details == "from the child")
    }

    @Test func theTestRunnerIsNotMistakenForVictor() {
        #expect(BenchmarkProcessIsolation.currentExecutable(named: "victor") == nil)
    }
}
