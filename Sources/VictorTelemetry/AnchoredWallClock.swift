import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The time of day for a moment already read on the monotonic clock: the wall clock's offset
/// from the monotonic clock is taken once and then added, so a record that times itself reads
/// one clock, not two.
///
/// The offset is taken again when it is older than ``refreshNanoseconds``: a step of the wall
/// clock (a manual change, an NTP step) shows in the times within that long, and between
/// refreshes times follow the monotonic clock (an NTP slew of at most 500 ppm moves them by
/// at most 5 µs).
package final class AnchoredWallClock: Sendable {
    /// How old an offset may get before it is taken again: 10 ms.
    package static let refreshNanoseconds: UInt64 = 10_000_000

    /// Wall-clock nanoseconds minus monotonic nanoseconds.
    private let offset: Atomic<Int64>
    /// The monotonic time the offset was taken at.
    private let anchoredAt: Atomic<UInt64>

    /// Takes the offset now.
    package init() {
        let (offset, at) = Self.measureOffset()
        self.offset = Atomic(offset)
        anchoredAt = Atomic(at)
    }

    /// Milliseconds since 1970 at `monotonic`, a value of ``MonotonicClock/nanoseconds()`` read
    /// just now.
    @inline(__always)
    package func milliseconds(atMonotonic monotonic: UInt64) -> Int64 {
        let at = anchoredAt.load(ordering: .relaxed)
        // Both stores are relaxed and separate: a reader may pair a new time with the previous
        // offset, which is at most one refresh old and as good.
        if monotonic > at, monotonic &- at > Self.refreshNanoseconds {
            let (fresh, freshAt) = Self.measureOffset()
            offset.store(fresh, ordering: .relaxed)
            anchoredAt.store(freshAt, ordering: .relaxed)
        }
        let nanoseconds = Int64(truncatingIfNeeded: monotonic) &+ offset.load(ordering: .relaxed)
        return nanoseconds >= 0 ? nanoseconds / 1_000_000 : 0
    }

    /// The wall clock's offset from the monotonic clock, and when it was taken. The monotonic
    /// clock is read on both sides of the wall clock and the midpoint used, so the offset is off
    /// by at most half the time between the reads.
    private static func measureOffset() -> (offset: Int64, at: UInt64) {
        let before = MonotonicClock.nanoseconds()
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let after = MonotonicClock.nanoseconds()
        let wall = Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
        let middle = before &+ (after &- before) / 2
        return (wall &- Int64(truncatingIfNeeded: middle), after)
    }
}
