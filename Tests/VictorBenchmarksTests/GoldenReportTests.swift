import Foundation
import Testing
import VictorBenchmarks

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Compares rendered reports with files under `Golden/`. Set `VICTOR_UPDATE_GOLDEN=1` to rewrite
/// them after an intended change, then review the diff.
@Suite struct GoldenReportTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ rendered: String, against name: String) throws {
        let file = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["VICTOR_UPDATE_GOLDEN"] == "1" {
            try Data(rendered.utf8).write(to: file)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(rendered == expected, "\(name) differs from the golden file")
    }

    var report: BenchmarkReport {
        BenchmarkReport(version: "0.0.1", machine: fixedMachine, results: fixedResults)
    }

    @Test func markdownReport() throws {
        let baseline = BenchmarkReport(
            version: "0.0.0",
            machine: fixedMachine,
            results: fixedResults.map { result in
                var result = result
                result.value /= 2
                return result
            }
        )
        let options = MarkdownReportRenderer.Options(
            date: Date(timeIntervalSince1970: 1_800_000_000),
            durationSeconds: 12.5,
            charts: [.lazyLoading: "report-lazy-loading.svg", .memoryEfficiency: "report-memory-efficiency.svg"],
            comparison: BaselineComparison(current: report, baseline: baseline, tolerance: 0.1)
        )
        try check(MarkdownReportRenderer.render(report, options: options), against: "report.md")
    }

    @Test func svgChart() throws {
        let results = fixedResults.filter { $0.category == .memoryEfficiency }
        let svg = SVGChartRenderer.render(category: .memoryEfficiency, results: results)
        try check(svg, against: "memory-efficiency.svg")
        // Well-formed XML, one bar per result with a target.
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse())
        #expect(svg.components(separatedBy: "<rect x=").count - 1 == 1)
        #expect(svg.contains("#d0342c"))
    }

    @Test func slugs() {
        #expect(SVGChartRenderer.slug("Lazy Loading") == "lazy-loading")
        #expect(
            BenchmarkCategory.allCases.map(\.slug) == [
                "lazy-loading", "parallel-execution", "memory-efficiency", "persona-manager", "security",
                "tool-call-runtime", "service", "machine-floors",
            ]
        )
        #expect(SVGChartRenderer.slug("Persona Manager & Co.") == "persona-manager-co")
    }
}
