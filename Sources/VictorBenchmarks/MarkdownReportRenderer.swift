public import Foundation

/// Renders a report as a Markdown document in the shape of the Phase 4 report: summary, a
/// section per category (results table, details), methodology, conclusions computed from the
/// figures, and the full results table.
public enum MarkdownReportRenderer {
    /// What the document needs beyond the report itself.
    public struct Options: Sendable {
        /// When the run ended, as printed in the header.
        public var date: Date
        /// Wall time of the whole run, in seconds.
        public var durationSeconds: Double
        /// Chart file names by category, linked from each section.
        public var charts: [BenchmarkCategory: String]
        /// A comparison with a saved run, when one was given.
        public var comparison: BaselineComparison?

        /// Creates options.
        public init(
            date: Date = Date(),
            durationSeconds: Double,
            charts: [BenchmarkCategory: String] = [:],
            comparison: BaselineComparison? = nil
        ) {
            self.date = date
            self.durationSeconds = durationSeconds
            self.charts = charts
            self.comparison = comparison
        }
    }

    /// The whole document.
    public static func render(_ report: BenchmarkReport, options: Options) -> String {
        var out: [String] = []
        let seed = report.results.filter { BenchmarkSuite.seedIDs.contains($0.id) }
        let seedPassed = seed.count { $0.passed == true }
        let summary = report.summary
        let judged = summary.passed + summary.failed

        out.append("# Victor Phase 4 Benchmark Report")
        out.append("")
        out.append("**Date:** \(dateText(options.date))  ")
        out.append("**Version:** \(report.version)  ")
        out.append("**Total Duration:** \(formatNumber(options.durationSeconds)) seconds  ")
        out.append(
            "**Overall Pass Rate:** \(percentText(summary.passed, judged)) (\(summary.passed)/\(judged) with a target passed)"
        )
        if report.machine.build != "release" {
            out.append("")
            out.append("> **Warning:** measured from a debug build; these figures are not representative.")
        }
        out.append("")
        out.append("---")
        out.append("")
        out.append("## Executive Summary")
        out.append("")
        if !seed.isEmpty {
            out.append(
                "- **Seed benchmarks:** \(seedPassed) of \(seed.count) pass (\(percentText(seedPassed, seed.count)))."
            )
        }
        out.append(contentsOf: keyFindings(report.results).map { "- " + $0 })
        out.append("")

        let categories = orderedCategories(report.results)
        for (number, category) in categories.enumerated() {
            let results = report.results.filter { $0.category == category }
            out.append("---")
            out.append("")
            out.append("## \(number + 1). \(category.sectionTitle)")
            out.append("")
            out.append("### Results")
            out.append("")
            out.append(contentsOf: resultsTable(results))
            out.append("")
            if let chart = options.charts[category] {
                out.append("![\(category.rawValue): figures against targets](\(chart))")
                out.append("")
            }
            out.append("### Details")
            out.append("")
            for (index, result) in results.enumerated() {
                out.append("#### \(number + 1).\(index + 1) \(result.name) (`\(result.id)`)")
                out.append("- **\(result.metric):** \(formatValue(result.value, unit: result.unit))")
                if let target = result.target {
                    out.append(
                        "- **Target:** \(result.direction == .lower ? "≤" : "≥") \(formatValue(target, unit: result.unit))"
                    )
                }
                out.append("- **Status:** \(statusText(result))")
                if !result.details.isEmpty { out.append("- **How measured:** \(result.details)") }
                out.append("")
            }
        }

        out.append("---")
        out.append("")
        out.append("## Methodology")
        out.append("")
        let machine = report.machine
        out.append("- **CPU:** \(machine.cpu), \(machine.cores) cores")
        out.append("- **Memory:** \(formatNumber(Double(machine.memoryBytes) / 1_073_741_824)) GiB")
        out.append("- **OS:** \(machine.os)")
        out.append("- **Swift:** \(machine.swift), \(machine.build) build")
        out.append(
            "- **Timing:** the monotonic clock; warm-up runs excluded; medians over repeated samples, "
                + "nanosecond figures from batches of operations divided by the batch size."
        )
        out.append("- **Memory:** heap in use from glibc `mallinfo2`, the counterpart of Python's tracemalloc.")
        out.append(
            "- **Honesty checks:** a figure beyond its workload's physical limit (a speedup above the worker "
                + "or task count) is reported as a measurement error and fails."
        )
        out.append("")

        out.append("---")
        out.append("")
        out.append("## Conclusions")
        out.append("")
        out.append("| Category | Passed | Largest headroom | Tightest |")
        out.append("|---|---|---|---|")
        for category in categories {
            let results = report.results.filter { $0.category == category }
            let judgedHere = results.filter { $0.passed != nil }
            let margins = judgedHere.compactMap { result in margin(result).map { (result, $0) } }
            let best = margins.max { $0.1 < $1.1 }
            let tightest = margins.min { $0.1 < $1.1 }
            out.append(
                "| \(category.rawValue) | \(judgedHere.count { $0.passed == true })/\(judgedHere.count) | "
                    + "\(best.map { "\($0.0.name) (\(marginText($0.1)))" } ?? "—") | "
                    + "\(tightest.map { "\($0.0.name) (\(marginText($0.1)))" } ?? "—") |"
            )
        }
        out.append("")
        let failures = report.results.filter { $0.passed == false }
        if failures.isEmpty {
            out.append("Every benchmark with a target met it.")
        } else {
            out.append("Benchmarks that missed their target or could not be measured:")
            out.append("")
            for failure in failures { out.append("- `\(failure.id)`: \(failure.details)") }
        }
        out.append("")

        if let comparison = options.comparison {
            out.append("---")
            out.append("")
            out.append("## Comparison with the Baseline")
            out.append("")
            out.append("Tolerance: \(formatNumber(comparison.tolerance * 100))%.")
            out.append("")
            out.append("| ID | Baseline | Now | Ratio | Regression |")
            out.append("|---|---|---|---|---|")
            for delta in comparison.deltas {
                out.append(
                    "| `\(delta.id)` | \(formatValue(delta.baseline, unit: delta.unit)) | "
                        + "\(formatValue(delta.current, unit: delta.unit)) | "
                        + "\(delta.ratio.map { formatNumber($0) + "x" } ?? "—") | \(delta.regressed ? "**yes**" : "no") |"
                )
            }
            out.append("")
        }

        out.append("---")
        out.append("")
        out.append("## Appendix A: Benchmark Results Summary")
        out.append("")
        out.append("| # | Category | Benchmark | ID | Value | Target | Status |")
        out.append("|---|---|---|---|---|---|---|")
        for (index, result) in report.results.enumerated() {
            out.append(
                "| \(index + 1) | \(result.category.rawValue) | \(result.name) | `\(result.id)` | "
                    + "\(formatValue(result.value, unit: result.unit)) | \(targetText(result)) | \(statusText(result)) |"
            )
        }
        out.append("")
        out.append("**Pass Rate:** \(summary.passed)/\(judged) (\(percentText(summary.passed, judged)))")
        return out.joined(separator: "\n") + "\n"
    }

    static func resultsTable(_ results: [BenchmarkResult]) -> [String] {
        ["| Benchmark | Metric | Value | Target | Status |", "|---|---|---|---|---|"]
            + results.map { result in
                "| \(result.name) | \(result.metric) | \(formatValue(result.value, unit: result.unit)) | "
                    + "\(targetText(result)) | \(statusText(result)) |"
            }
    }

    /// How far inside its target a figure is: target ÷ value when lower is better, value ÷
    /// target when higher is; above 1 passes.
    static func margin(_ result: BenchmarkResult) -> Double? {
        guard let target = result.target, target > 0, result.value > 0 else { return nil }
        return result.direction == .lower ? target / result.value : result.value / target
    }

    static func keyFindings(_ results: [BenchmarkResult]) -> [String] {
        let margins = results.compactMap { result in margin(result).map { (result, $0) } }
        var findings: [String] = []
        if let best = margins.max(by: { $0.1 < $1.1 }) {
            findings.append(
                "**Largest headroom:** \(best.0.name) at \(formatValue(best.0.value, unit: best.0.unit)), \(marginText(best.1))."
            )
        }
        if let tightest = margins.min(by: { $0.1 < $1.1 }) {
            findings.append(
                "**Tightest:** \(tightest.0.name) at \(formatValue(tightest.0.value, unit: tightest.0.unit)), \(marginText(tightest.1))."
            )
        }
        let errors = results.filter { $0.verdict.errorMessage != nil }
        if !errors.isEmpty {
            findings.append("**Measurement errors:** \(errors.map { "`\($0.id)`" }.joined(separator: ", ")).")
        }
        return findings
    }

    static func marginText(_ margin: Double) -> String {
        margin >= 1 ? "\(formatNumber(margin))x inside its target" : "\(formatNumber(1 / margin))x outside its target"
    }

    static func targetText(_ result: BenchmarkResult) -> String {
        result.target.map { (result.direction == .lower ? "≤ " : "≥ ") + formatValue($0, unit: result.unit) } ?? "—"
    }

    static func statusText(_ result: BenchmarkResult) -> String {
        switch result.passed {
        case true?: "✅ PASS"
        case false?: "❌ FAIL"
        case nil: "ℹ️ INFO"
        }
    }

    static func percentText(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "—" : formatNumber((Double(part) / Double(whole) * 1000).rounded() / 10) + "%"
    }

    static func dateText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    static func orderedCategories(_ results: [BenchmarkResult]) -> [BenchmarkCategory] {
        results.map(\.category).reduce(into: [BenchmarkCategory]()) { if !$0.contains($1) { $0.append($1) } }
    }
}
