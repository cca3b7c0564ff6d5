import Testing
@testable import VictorTelemetry

@Suite struct LatencyHistogramTests {
    @Test func emptyHasNoPercentiles() {
        let histogram = LatencyHistogram()
        #expect(histogram.count == 0)
        #expect(histogram.percentile(50) == 0)
        #expect(histogram.percentile(99) == 0)
    }

    /// Durations across the whole range read back within 1%.
    @Test(arguments: [1, 150, 99_999, 20_000_000, 59_000_000_000, 3_600_000_000_000] as [UInt64])
    func aDurationReadsBackWithinOnePercent(nanoseconds: UInt64) {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds)
        let read = Double(histogram.percentile(50))
        #expect(abs(read - Double(nanoseconds)) <= Double(nanoseconds) / 100, "read \(read)")
        #expect(histogram.count == 1)
    }

    @Test func percentilesFollowTheRecordedDurations() {
        var histogram = LatencyHistogram()
        for nanoseconds in 1...100 as ClosedRange<UInt64> { histogram.record(nanoseconds * 1_000) }
        #expect(abs(Double(histogram.percentile(50)) - 50_000) <= 500)
        #expect(abs(Double(histogram.percentile(99)) - 99_000) <= 990)
        #expect(histogram.count == 100)
    }

    /// Nothing traps at the edges: 0 counts as 1 ns, beyond an hour (up to `UInt64.max`) as an hour.
    @Test func theEdgesAreClampedNotTrapped() {
        var histogram = LatencyHistogram()
        histogram.record(0)
        #expect(histogram.percentile(100) >= 1)
        histogram.record(.max)
        histogram.record(LatencyHistogram.highestNanoseconds + 1)
        let top = Double(histogram.percentile(100))
        let hour = Double(LatencyHistogram.highestNanoseconds)
        #expect(abs(top - hour) <= hour / 100)
        #expect(histogram.count == 3)
    }
}
