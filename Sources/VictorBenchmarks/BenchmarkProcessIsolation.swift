import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs each benchmark in a fresh process, so that no workload inherits another's heap (a
/// million registrations leave it fragmented), caches or stray threads: each figure is what that
/// workload costs on its own.
///
/// The child is `executable` started with ``arguments`` followed by
/// `--benchmark-id ID --format json --in-process` (and `--quick` for a quick run); it must print
/// a JSON report (``JSONReportRenderer``) holding that benchmark's result on standard output.
/// `victor bench` is such an executable. A child that cannot start, or ends without that
/// report, yields a result in error (``BenchmarkVerdict/error(_:)``) naming the cause and the
/// last lines it wrote on standard error.
public struct BenchmarkProcessIsolation: Sendable {
    /// The path of the executable started for each benchmark.
    public var executable: String
    /// The arguments before the benchmark's own, such as `["bench"]`.
    public var arguments: [String]

    /// The most bytes read from a child's standard output or standard error.
    static let outputLimit = 16 << 20

    /// Creates an isolation that starts `executable` with `arguments` for each benchmark.
    public init(executable: String, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// An execution for ``BenchmarkRunner/execution`` that runs each benchmark in a child.
    public var execution: BenchmarkRunner.Execution {
        { benchmark, context in await run(benchmark, context) }
    }

    /// The path of the running executable when its file name is `name`; `nil` when this process
    /// is something else (a test runner), which then runs benchmarks in process.
    public static func currentExecutable(named name: String) -> String? {
        guard let path = Bundle.main.executablePath, URL(fileURLWithPath: path).lastPathComponent == name else {
            return nil
        }
        return path
    }

    /// Runs `benchmark` in a fresh child process and returns the result it reports.
    public func run(_ benchmark: Benchmark, _ context: BenchmarkContext) async -> BenchmarkResult {
        let childArguments =
            arguments + ["--benchmark-id", benchmark.id, "--format", "json", "--in-process"]
            + (context.quick ? ["--quick"] : [])
        let outcome: ExecutionResult<Void, BytesOutput, BytesOutput>
        do {
            outcome = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(childArguments),
                output: .bytes(limit: Self.outputLimit),
                error: .bytes(limit: Self.outputLimit)
            )
        } catch {
            let reason =
                FileManager.default.isExecutableFile(atPath: executable)
                ? String(describing: error) : "there is no executable file at that path"
            return BenchmarkRunner.failure(
                benchmark,
                BenchmarkIsolationError(.cannotStart, "cannot start \(executable): \(reason)")
            )
        }
        if let report = try? JSONReportRenderer.parse(Data(outcome.standardOutput)),
            let result = report.results.first, result.id == benchmark.id
        {
            return result
        }
        let lastLines = String(decoding: outcome.standardError, as: UTF8.self).split(separator: "\n").suffix(3)
            .joined(separator: " | ")
        let how: String
        switch outcome.terminationStatus {
        case .exited(let status): how = "exited with status \(status)"
        #if !os(Windows)
        case .signaled(let signal): how = "was killed by signal \(signal)"
        #endif
        }
        return BenchmarkRunner.failure(
            benchmark,
            BenchmarkIsolationError(.noReport, "the benchmark's process \(how) without a report: \(lastLines)")
        )
    }
}

/// A benchmark's child process that could not deliver its result.
public struct BenchmarkIsolationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable {
        /// The executable could not be started.
        case cannotStart
        /// The child ended without printing a report holding the benchmark's result.
        case noReport
    }

    /// What went wrong.
    public var code: Code
    /// A one-line description naming the executable or the child's exit.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The ``message``.
    public var description: String { message }
}
