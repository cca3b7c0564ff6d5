import ArgumentParser
import Foundation
import VictorBenchmarks

/// Output formats of `victor bench`.
enum BenchFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `victor bench`: runs the Phase 4 benchmark suite and prints the report.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the benchmark suite and print the report.",
        discussion: "Exit status: 0 when every benchmark passes, 1 when any fails, 2 on bad arguments."
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

    func validate() throws {
        let selected = BenchmarkSuite.selecting(prefixes: prefixes)
        if selected.isEmpty {
            throw ValidationError("no benchmark id starts with \(prefixes.map { "'\($0)'" }.joined(separator: " or "))")
        }
    }

    func run() async throws {
        let benchmarks = BenchmarkSuite.selecting(prefixes: prefixes)
        if list {
            for benchmark in benchmarks {
                let target = benchmark.target.map { " target \($0) \(benchmark.unit.rawValue)" } ?? ""
                print("\(benchmark.id)\t\(benchmark.category)\t\(benchmark.name)\(target)")
            }
            return
        }
        if MachineInfo.isDebugBuild {
            printError(
                "WARNING: this is a debug build; timings are not representative. Use `swift run -c release victor bench`."
            )
        }
        let runner = BenchmarkRunner(benchmarks: benchmarks, context: BenchmarkContext(quick: quick))
        let report = await runner.run { progress in
            printError("[\(progress.index)/\(progress.total)] \(progress.category): \(progress.name) (\(progress.id))…")
        }
        let rendered: String
        switch format {
        case .text: rendered = TextReportRenderer.render(report)
        case .json: rendered = try JSONReportRenderer.render(report)
        }
        if let output {
            do {
                try Data(rendered.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw ValidationError("cannot write the report to \(output): \(error.localizedDescription)")
            }
        } else {
            print(rendered, terminator: "")
        }
        if report.summary.failed > 0 { throw ExitCode(1) }
    }
}
