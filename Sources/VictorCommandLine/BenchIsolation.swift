import Foundation
import VictorBenchmarks

/// Runs each benchmark in a fresh `victor` process, so that no workload inherits another's
/// heap (a million registrations leave it fragmented), caches or stray threads: each figure is
/// what that workload costs on its own.
enum BenchIsolation {
    /// An execution that runs each benchmark as `EXECUTABLE bench --benchmark-id ID --format json`.
    static func execution(executable: String) -> BenchmarkRunner.Execution {
        { benchmark, context in
            await Task.detached { run(benchmark, context, executable: executable) }.value
        }
    }

    /// The path of the running `victor` executable; `nil` when this process is something else
    /// (a test runner), which then runs benchmarks in process.
    static var currentExecutable: String? {
        guard let path = Bundle.main.executablePath, URL(fileURLWithPath: path).lastPathComponent == "victor" else {
            return nil
        }
        return path
    }

    static func run(_ benchmark: Benchmark, _ context: BenchmarkContext, executable: String) -> BenchmarkResult {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent(
            "victor-bench-\(UUID().uuidString).log"
        )
        defer { try? FileManager.default.removeItem(at: errors) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            ["bench", "--benchmark-id", benchmark.id, "--format", "json", "--in-process"]
            + (context.quick ? ["--quick"] : [])
        let output = Pipe()
        process.standardOutput = output
        do {
            _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.run()
        } catch {
            let reason =
                FileManager.default.isExecutableFile(atPath: executable)
                ? (error as NSError).localizedDescription : "there is no executable file at that path"
            return BenchmarkRunner.failure(benchmark, IsolationError("cannot start \(executable): \(reason)"))
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if let report = try? JSONReportRenderer.parse(data), let result = report.results.first,
            result.id == benchmark.id
        {
            return result
        }
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        let lastLines = stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
        let how =
            process.terminationReason == .uncaughtSignal
            ? "was killed by signal \(process.terminationStatus)" : "exited with status \(process.terminationStatus)"
        return BenchmarkRunner.failure(
            benchmark,
            IsolationError("the benchmark's process \(how) without a report: \(lastLines)")
        )
    }
}

/// A benchmark process that could not deliver its result.
struct IsolationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
