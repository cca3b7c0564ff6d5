import Histogram

/// Percentiles of durations in nanoseconds, from 1 ns to an hour, to two significant digits.
///
/// The histogram is sized for its whole range when it is made (about 37 KiB) and never grows.
/// A histogram that grows to fit each new maximum does so in the unspecialized generic code of
/// its package, about 0.4 µs per counter added: the first 20 ms value recorded cost 6–10 ms,
/// under whatever lock guarded the histogram. Longer durations are counted as an hour.
package struct LatencyHistogram: Sendable {
    /// The longest duration told apart from longer ones: one hour.
    package static let highestNanoseconds: UInt64 = 3_600_000_000_000

    private var histogram = Histogram<UInt64>(
        highestTrackableValue: LatencyHistogram.highestNanoseconds,
        numberOfSignificantValueDigits: .two
    )

    /// An empty histogram.
    package init() {}

    /// Counts one duration; 0 is counted as 1 ns, more than an hour as an hour.
    package mutating func record(_ nanoseconds: UInt64) {
        _ = histogram.record(min(max(1, nanoseconds), Self.highestNanoseconds))
    }

    /// How many durations were recorded.
    package var count: Int { Int(histogram.totalCount) }

    /// The duration that `percent` of the recorded ones do not exceed, to two significant digits
    /// (within 1%); 0 when nothing was recorded.
    package func percentile(_ percent: Double) -> UInt64 {
        histogram.totalCount == 0 ? 0 : histogram.valueAtPercentile(percent)
    }
}
