#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#elseif canImport(Darwin)
public import Darwin
#endif

/// The one clock Victor's components time themselves with: nanoseconds from the monotonic
/// clock, read directly (about 20 ns a read on Linux, against about 40 ns for
/// `ContinuousClock.now` and its `Duration` arithmetic).
@usableFromInline
package enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point; never 0, never decreasing.
    @inlinable @inline(__always)
    package static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec) &+ 1
    }

    /// Nanoseconds elapsed since `start`, a value of ``nanoseconds()``.
    @inlinable @inline(__always)
    package static func nanoseconds(since start: UInt64) -> UInt64 {
        let now = nanoseconds()
        return now > start ? now &- start : 0
    }
}

extension Duration {
    /// The duration in nanoseconds, saturating at the bounds of `Int64`.
    package var totalNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, overflowSum) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowSum ? (whole < 0 ? .min : .max) : sum
    }
}
