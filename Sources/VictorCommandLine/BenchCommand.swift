import ArgumentParser
import Foundation
import VictorBenchmarks

/// Output formats of `victor bench`.
enum BenchFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown
}

/// A tolerance given in percent, with or without a `%` sign: `10`, `10%`, `2.5`.
struct Tolerance: ExpressibleByArgument {
    let fraction: Double

    init(fraction: Double) { self.fraction = fraction }

    init?(argument: String) {
        let number = argument.hasSuffix("%") ? String(argument.dropLast()) : argument
        guard let percent = Double(number), percent.isFinite, percent >= 0 else { return nil }
        fraction = percent / 100
    }

    /// Parses `--tolerance`, explaining the accepted range when the value is outside it.
    static func parse(_ argument: String) throws -> Tolerance {
        guard let tolerance = Tolerance(argument: argument) else {
            throw ValidationError(
                "--tolerance must be a percentage of 0 or more, such as 10 or 2.5%, not \(displayText(argument))"
            )
        }
        return tolerance
    }

    var defaultValueDescription: String { "\(formatPercent(fraction * 100))%" }
}

/// A `victor bench` input or output that is wrong (a baseline, a path), with a plain message.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func formatPercent(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}

/// `victor bench`: runs the Phase 4 benchmark suite and prints the report.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the benchmark suite and print the report.",
        discussion: """
            Exit status: 0 when every benchmark passes, 1 when any fails, 2 on bad arguments, an \
            unreadable baseline or a file that cannot be written, 3 when every benchmark passes but a \
            figure regressed against --baseline by more than --tolerance.
            --output and --save-baseline are checked before anything is measured; when the baseline \
            cannot be saved after all, the report is still delivered.
            With --format markdown and --output FILE, an SVG chart per category is written beside FILE.
            Each benchmark runs in a fresh process (unless --in-process), so no workload inherits \
            another's heap, caches or threads.
            """
    )

    @Option(name: .customLong("only"), help: "Run only benchmarks whose id starts with this prefix (repeatable).")
    var prefixes: [String] = []

    @Option(help: "Report format: \(BenchFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: BenchFormat = .text

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(help: "Fewer iterations: a smoke check, not a measurement.")
    var quick = false

    @Flag(help: "List the benchmarks and exit.")
    var list = false

    @Flag(help: "Run every benchmark in this process instead of a fresh process each.")
    var inProcess = false

    @Option(help: .hidden)
    var benchmarkID: String?

    @Option(help: "Save this run as a baseline (JSON) in this file.")
    var saveBaseline: String?

    @Option(help: "Compare this run with a baseline saved by --save-baseline.")
    var baseline: String?

    @Option(
        parsing: .unconditional,
        help: "Change beyond which a figure counts as a regression, in percent (0 or more).",
        transform: Tolerance.parse
    )
    var tolerance = Tolerance(fraction: 0.10)

    /// The benchmarks this invocation runs: the one named by the internal `--benchmark-id`, or
    /// those the `--only` prefixes select.
    var selected: [Benchmark] {
        if let benchmarkID { return BenchmarkSuite.all.filter { $0.id == benchmarkID } }
        return BenchmarkSuite.selecting(prefixes: prefixes)
    }

    func validate() throws {
        if let benchmarkID, selected.isEmpty {
            throw ValidationError("no benchmark has the id '\(benchmarkID)'")
        }
        if selected.isEmpty {
            throw ValidationError("no benchmark id starts with \(prefixes.map { "'\($0)'" }.joined(separator: " or "))")
        }
    }

    func run() async throws {
        let console = CommandOutput.current
        let benchmarks = selected
        if list {
            for benchmark in benchmarks {
                let target =
                    benchmark.calibration?.description
                    ?? benchmark.target.map {
                        "\(benchmark.direction == .lower ? "≤" : "≥") \($0) \(benchmark.unit.rawValue)"
                    }
                console.line(
                    [benchmark.id, benchmark.category.rawValue, benchmark.name, target ?? "no target"]
                        .joined(separator: "\t")
                )
            }
            return
        }
        // Check every input and output first: a bad path should fail before minutes of measuring.
        let saved = try baseline.map(Self.readBaseline)
        for (option, path) in [("--output", output), ("--save-baseline", saveBaseline)] {
            guard let path else { continue }
            do {
                try CommandFiles.checkWritable(path)
            } catch {
                throw BenchError("\(option) \(error)")
            }
        }
        if MachineInfo.isDebugBuild {
            console.errorLine(
                "WARNING: this is a debug build; timings are not representative. Use `swift run -c release victor bench`."
            )
        }
        let categories = benchmarks.map(\.category).reduce(into: [BenchmarkCategory]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        let started = Date()
        var runner = BenchmarkRunner(benchmarks: benchmarks, context: BenchmarkContext(quick: quick))
        if !inProcess, benchmarks.count > 1,
            let executable = BenchmarkProcessIsolation.currentExecutable(named: "victor")
        {
            runner.execution = BenchmarkProcessIsolation(executable: executable, arguments: ["bench"]).execution
        }
        var currentCategory: BenchmarkCategory?
        let report = await runner.run { progress in
            if progress.category != currentCategory {
                currentCategory = progress.category
                let index = (categories.firstIndex(of: progress.category) ?? 0) + 1
                console.errorLine("[\(index)/\(categories.count)] \(progress.category.rawValue)…")
            }
            console.errorLine("      \(progress.name) (\(progress.id))")
        }
        let duration = Date().timeIntervalSince(started)
        let comparison = saved.map { BaselineComparison(current: report, baseline: $0, tolerance: tolerance.fraction) }

        // The report first: a baseline that cannot be saved must not cost the run's results.
        var failures = deliver(report, comparison: comparison, duration: duration)
        if let saveBaseline {
            do {
                try CommandFiles.write(try JSONReportRenderer.render(report), to: saveBaseline)
            } catch {
                failures.append("--save-baseline: the baseline was not saved: \(error)")
            }
        }

        if let comparison {
            for delta in comparison.regressions {
                console.errorLine(
                    "REGRESSION \(delta.id): \(delta.baseline) → \(delta.current) \(delta.unit.rawValue)"
                        + (delta.ratio.map { String(format: " (%.2fx)", $0) } ?? "")
                )
            }
        }
        if !failures.isEmpty { throw CommandFailure(.invalidInput, failures.map { "error: " + singleLine($0) }) }
        if let failure = Self.outcome(report.summary, comparison) { throw CommandFailure(failure) }
    }

    /// How a run that delivered its report failed: ``CommandFailureKind/unmetExpectations`` when
    /// a benchmark failed, else ``CommandFailureKind/regression`` when a figure regressed against
    /// the baseline; `nil` when it succeeded.
    static func outcome(_ summary: BenchmarkSummary, _ comparison: BaselineComparison?) -> CommandFailureKind? {
        if summary.failed > 0 { return .unmetExpectations }
        if let comparison, !comparison.regressions.isEmpty { return .regression }
        return nil
    }

    /// Renders the report in the chosen format and delivers it (with Markdown, the charts beside
    /// it). When `--output` cannot be written after all, the report goes to standard output
    /// instead, so the run is never lost.
    /// - Returns: what could not be written.
    func deliver(_ report: BenchmarkReport, comparison: BaselineComparison?, duration: Double) -> [String] {
        var failures: [String] = []
        let rendered: String
        do {
            switch format {
            case .text:
                rendered = TextReportRenderer.render(report, comparison: comparison)
            case .json:
                rendered = try JSONReportRenderer.render(report)
            case .markdown:
                var charts: [BenchmarkCategory: String] = [:]
                if let output {
                    let directory = URL(fileURLWithPath: output).deletingLastPathComponent()
                    let stem = URL(fileURLWithPath: output).deletingPathExtension().lastPathComponent
                    for category in Set(report.results.map(\.category)).sorted() {
                        let name = "\(stem)-\(category.slug).svg"
                        let results = report.results.filter { $0.category == category }
                        do {
                            try CommandFiles.write(
                                SVGChartRenderer.render(category: category, results: results),
                                to: directory.appendingPathComponent(name).path
                            )
                            charts[category] = name
                        } catch {
                            failures.append("a chart was not written: \(error)")
                        }
                    }
                }
                let options = MarkdownReportRenderer.Options(
                    durationSeconds: duration,
                    charts: charts,
                    comparison: comparison
                )
                rendered = MarkdownReportRenderer.render(report, options: options)
            }
        } catch {
            return failures + ["the report could not be rendered: \(error)"]
        }
        let console = CommandOutput.current
        guard let output else {
            console.write(rendered)
            return failures
        }
        do {
            try CommandFiles.write(rendered, to: output)
        } catch {
            failures.append("--output: the report was not written, so it follows on standard output: \(error)")
            console.write(rendered)
        }
        return failures
    }

    static func readBaseline(_ path: String) throws -> BenchmarkReport {
        let data: Data
        do {
            data = Data(try CommandFiles.read(path))
        } catch {
            throw BenchError("cannot read the baseline \(error)")
        }
        do {
            return try JSONReportRenderer.parse(data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw BenchError(
                "\(displayText(path)): not a victor-bench report: missing key '\(pathText(context.codingPath + [key]))'"
            )
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            throw BenchError(
                "\(displayText(path)): not a victor-bench report at '\(pathText(context.codingPath))': "
                    + context.debugDescription
            )
        } catch {
            throw BenchError("\(displayText(path)): not a victor-bench report")
        }
    }
    private static func pathText(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
}
