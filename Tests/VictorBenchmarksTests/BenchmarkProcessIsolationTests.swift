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
        try writeExecutable("#!/bin/sh\necho one >&2\necho two >&2\nkill -9 $$\n", to: script)
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
        try writeExecutable(
            """
            #!/bin/sh
            [ "$*" = "bench --benchmark-id memory.lru_cache --format json --in-process --quick" ] || exit 7
            cat '\(reportFile.path)'
            """,
            to: script
        )
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

/// Writes a script through a descriptor closed on exec. A descriptor without that flag is
/// inherited by every process the other tests start meanwhile, and while any of them holds it
/// open for writing, starting the script fails with "Text file busy".
func writeExecutable(_ text: String, to url: URL) throws {
    let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
}
