import Foundation

/// Draws one category's results as an SVG bar chart: each figure relative to its target on a
/// logarithmic axis (figures of different units share a chart only as ratios), bars diverging
/// from the target line, green when passing and red when failing. Pure text, no network.
public enum SVGChartRenderer {
    /// The chart for `results` (those without a target are listed but not drawn).
    public static func render(category: BenchmarkCategory, results: [BenchmarkResult]) -> String {
        let labelWidth = 300.0
        let plotWidth = 420.0
        let valueWidth = 200.0
        let rowHeight = 26.0
        let top = 48.0
        let width = labelWidth + plotWidth + valueWidth
        let height = top + rowHeight * Double(max(1, results.count)) + 34

        let ratios: [Double?] = results.map { result in
            guard let target = result.target, target > 0, result.value > 0 else { return nil }
            return result.value / target
        }
        let logs = ratios.compactMap { $0.map(log10) }
        let low = min(-1, (logs.min() ?? -1).rounded(.down))
        let high = max(1, (logs.max() ?? 1).rounded(.up))
        func x(_ logRatio: Double) -> Double {
            labelWidth + (min(max(logRatio, low), high) - low) / (high - low) * plotWidth
        }

        var svg: [String] = []
        svg.append(
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" "##
                + ##"viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">"##
        )
        svg.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        svg.append(
            ##"<text x="10" y="20" font-size="15" font-weight="bold">\##(escape(category.rawValue)): figure ÷ target, log scale</text>"##
        )
        svg.append(
            ##"<text x="10" y="38" fill="#555">Left of the line is below target (better when lower is better), right is above.</text>"##
        )
        for decade in stride(from: low, through: high, by: 1) {
            let position = x(decade)
            let label = decade == 0 ? "target" : formatNumber(pow(10, decade)) + "×"
            svg.append(
                ##"<line x1="\##(f(position))" y1="\##(f(top - 4))" x2="\##(f(position))" y2="\##(f(height - 30))" "##
                    + ##"stroke="\##(decade == 0 ? "#222" : "#ddd")" stroke-width="\##(decade == 0 ? 2 : 1)"/>"##
            )
            svg.append(
                ##"<text x="\##(f(position))" y="\##(f(height - 14))" text-anchor="middle" fill="#555">\##(label)</text>"##
            )
        }
        for (row, result) in results.enumerated() {
            let y = top + Double(row) * rowHeight
            svg.append(##"<text x="10" y="\##(f(y + 17))">\##(escape(result.name))</text>"##)
            let figure = formatValue(result.value, unit: result.unit)
            if let ratio = ratios[row] {
                let start = x(0)
                let end = x(log10(ratio))
                let color = result.passed == true ? "#2e9e4f" : "#d0342c"
                svg.append(
                    ##"<rect x="\##(f(min(start, end)))" y="\##(f(y + 5))" width="\##(f(max(2, abs(end - start))))" "##
                        + ##"height="\##(f(rowHeight - 10))" fill="\##(color)"><title>\##(escape(result.id))</title></rect>"##
                )
                let target = result.target.map { formatValue($0, unit: result.unit) } ?? ""
                svg.append(
                    ##"<text x="\##(f(labelWidth + plotWidth + 10))" y="\##(f(y + 17))">\##(escape(figure)) / \##(escape(target))</text>"##
                )
            } else {
                svg.append(
                    ##"<text x="\##(f(labelWidth + plotWidth + 10))" y="\##(f(y + 17))" fill="#555">\##(escape(figure)) (no target)</text>"##
                )
            }
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// A file-name-safe form of a category: `Lazy Loading` → `lazy-loading`.
    public static func slug(_ category: String) -> String {
        let lowered = category.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return String(lowered).split(separator: "-").joined(separator: "-")
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
