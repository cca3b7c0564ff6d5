public import Foundation

/// Renders a report as aligned text tables, one per category, like the seed's Appendix A.
public enum TextReportRenderer {
    /// The whole report as text, with a comparison table when `comparison` is given.
    public static func render(_ report: BenchmarkReport, comparison: BaselineComparison? = nil) -> String {
        var lines: [String] = []
        let machine = report.machine
        lines.append(
            "Victor \(report.version) benchmarks — \(machine.cpu), \(machine.cores) cores, \(machine.build) build"
        )
        if machine.build != "release" {
            lines.append(
                "WARNING: debug build; figures are not representative. Use `swift run -c release victor bench`."
            )
        }
        var categories: [BenchmarkCategory] = []
        for result in report.results where !categories.contains(result.category) {
            categories.append(result.category)
        }
        let header = ["Benchmark", "ID", "Value", "Target", "Status"]
        for category in categories {
            let rows = report.results.filter { $0.category == category }.map { result in
                [
                    result.name,
                    result.id,
                    formatValue(result.value, unit: result.unit),
                    result.target.map {
                        (result.direction == .lower ? "≤ " : "≥ ") + formatValue($0, unit: result.unit)
                    }
                        ?? "—",
                    status(result),
                ]
            }
            let passed = rows.count { $0[4] == "PASS" }
            let judged = rows.count { $0[4] != "INFO" }
            lines.append("")
            lines.append("\(category.rawValue) (\(passed)/\(judged) passed)")
            lines.append(contentsOf: table(header: header, rows: rows))
        }
        lines.append("")
        let summary = report.summary
        lines.append("Summary: \(summary.passed) passed, \(summary.failed) failed, \(summary.total) total")
        let failures = report.results.filter { $0.passed == false }
        for failure in failures {
            lines.append("  FAIL \(failure.id): \(failure.details)")
        }
        if let comparison {
            lines.append("")
            lines.append(
                "Compared with the baseline (tolerance \(formatNumber(comparison.tolerance * 100))%): "
                    + "\(comparison.regressions.count) regression(s)"
            )
            let rows = comparison.deltas.map { delta in
                [
                    delta.id,
                    formatValue(delta.baseline, unit: delta.unit),
                    formatValue(delta.current, unit: delta.unit),
                    delta.ratio.map { formatNumber($0) + "x" } ?? "—",
                    delta.regressed ? "REGRESSED" : "ok",
                ]
            }
            lines.append(contentsOf: table(header: ["ID", "Baseline", "Now", "Ratio", "Verdict"], rows: rows))
            if !comparison.new.isEmpty { lines.append("New: " + comparison.new.joined(separator: ", ")) }
            if !comparison.missing.isEmpty { lines.append("Not run: " + comparison.missing.joined(separator: ", ")) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func status(_ result: BenchmarkResult) -> String {
        switch result.passed {
        case true?: "PASS"
        case false?: "FAIL"
        case nil: "INFO"
        }
    }

    static func table(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + rows.map(line)
    }
}

/// Renders a report in the stable JSON schema of `victor bench --format json`.
public enum JSONReportRenderer {
    /// The report as pretty-printed JSON with sorted keys.
    public static func render(_ report: BenchmarkReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    /// Decodes a report written by ``render(_:)``.
    public static func parse(_ data: Data) throws -> BenchmarkReport {
        try JSONDecoder().decode(BenchmarkReport.self, from: data)
    }
}
