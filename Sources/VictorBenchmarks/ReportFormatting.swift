import Foundation

/// A figure with as many digits as it needs: `0.000021`, `24.30`, `3,310`.
func formatNumber(_ value: Double) -> String {
    let magnitude = abs(value)
    if value == value.rounded() && magnitude < 1e15 {
        return groupThousands(String(Int64(value)))
    }
    if magnitude >= 1000 { return groupThousands(String(format: "%.0f", value)) }
    if magnitude >= 100 { return String(format: "%.1f", value) }
    if magnitude >= 1 { return String(format: "%.2f", value) }
    if magnitude >= 0.01 { return String(format: "%.3f", value) }
    // Two significant digits without an exponent: 0.000021, not 2.1e-05.
    let decimals = min(12, Int((-log10(magnitude)).rounded(.down)) + 2)
    return String(format: "%.\(decimals)f", value)
}

/// A figure with its unit: `24.30 ms`, `3.31x`, `75.4%`, `3 count`.
func formatValue(_ value: Double, unit: BenchmarkUnit) -> String {
    switch unit {
    case .factor: return formatNumber(value) + "x"
    case .percent: return formatNumber(value) + "%"
    case .count: return formatNumber(value)
    default: return formatNumber(value) + " " + unit.rawValue
    }
}

private func groupThousands(_ digits: String) -> String {
    var body = Substring(digits)
    var sign = ""
    if body.hasPrefix("-") {
        sign = "-"
        body = body.dropFirst()
    }
    var groups: [Substring] = []
    while body.count > 3 {
        groups.insert(body.suffix(3), at: 0)
        body = body.dropLast(3)
    }
    groups.insert(body, at: 0)
    return sign + groups.joined(separator: ",")
}
