import Foundation

/// ISO 8601 timestamps as personas store them: UTC, millisecond precision.
///
/// The calendar work (which days exist, leap years, turning fields into a `Date` and back) is
/// Foundation's `Date.ISO8601FormatStyle`, in UTC and without fractional seconds. What is added
/// around it is exact on purpose:
///
/// - Milliseconds are kept as integers, never through a floating-point fraction: the style's own
///   fractional seconds format `.619` as `.618` and would parse sub-millisecond digits inexactly.
/// - Foundation rolls impossible fields over (`2024-02-31` becomes March 2, `24:00:00` the next
///   day, a leap second `23:59:60` the next minute), so a parsed date must format back to the
///   very fields it was read from, or it is rejected.
/// - The forms Victor writes besides strict ISO 8601 (a space or a lowercase `t` before the time,
///   no zone meaning UTC, any number of fraction digits, a bare date) and zone offsets up to
///   ±23:59 (Foundation's zones stop at ±18:00) are read by shape first, then handed over.
///
/// Foundation's calendar is the Gregorian one from October 15, 1582 and the Julian one before
/// it, in formatting and parsing alike, so every time within years 0000–9999 (see
/// ``Persona/timestampRange``) formats to text that parses back to it exactly.
enum PersonaTimestamp {
    /// Whole seconds in UTC: `2026-01-28T05:14:20Z`.
    static let style = Date.ISO8601FormatStyle()

    /// The parts of a timestamp's text, found by ``shape(_:)``.
    struct Shape {
        var date: String
        var time: String?
        var fraction: String?
        /// Minutes east of UTC; 0 for `Z` or no zone.
        var offsetMinutes: Int64 = 0
    }

    /// Splits `YYYY-MM-DD`, then optionally `[T| ]HH:MM:SS[.fraction]` and then optionally `Z`
    /// or `±HH[:]MM` (ASCII digits only, nothing after); `nil` for any other text. Only the
    /// shape is checked here; which dates exist is Foundation's to say.
    static func shape(_ text: String) -> Shape? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> String? {
            guard index + count <= bytes.count,
                bytes[index..<index + count].allSatisfy({ (0x30...0x39).contains($0) })
            else { return nil }
            defer { index += count }
            return String(decoding: bytes[index..<index + count], as: UTF8.self)
        }
        func accept(_ characters: String) -> UInt8? {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return nil }
            defer { index += 1 }
            return bytes[index]
        }
        guard let year = digits(4), accept("-") != nil, let month = digits(2), accept("-") != nil,
            let day = digits(2)
        else { return nil }
        var shape = Shape(date: "\(year)-\(month)-\(day)")
        guard index < bytes.count else { return shape }
        guard accept("Tt ") != nil, let hour = digits(2), accept(":") != nil, let minute = digits(2),
            accept(":") != nil, let second = digits(2)
        else { return nil }
        shape.time = "\(hour):\(minute):\(second)"
        if accept(".") != nil {
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            guard index > start else { return nil }
            shape.fraction = String(decoding: bytes[start..<index], as: UTF8.self)
        }
        if accept("Zz") == nil, let sign = accept("+-") {
            guard let hours = digits(2).flatMap({ Int64($0) }) else { return nil }
            _ = accept(":")
            guard let minutes = digits(2).flatMap({ Int64($0) }), hours < 24, minutes < 60 else { return nil }
            shape.offsetMinutes = (sign == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
        }
        return index == bytes.count ? shape : nil
    }

    /// `date` truncated to whole milliseconds, so formatting and parsing give it back exactly.
    static func normalized(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    /// Whole milliseconds since 1970, clamped to the 64-bit range (a non-finite time gives the
    /// nearest end, which validation then rejects).
    ///
    /// `Date` counts from 2001, so a time made of whole milliseconds since 1970
    /// (`Double(ms) / 1000`) comes back up to two units in the last place of that count away
    /// from them (0.03 ms near the year 9999, 0.0001 ms near 1970). Within that distance of a
    /// whole millisecond the time is that millisecond; otherwise it is truncated toward the past.
    static func milliseconds(_ date: Date) -> Int64 {
        let scaled = date.timeIntervalSince1970 * 1000
        let nearest = scaled.rounded()
        let precision = (date.timeIntervalSinceReferenceDate.magnitude.ulp * 1000 + scaled.magnitude.ulp) * 2
        let value = (scaled - nearest).magnitude <= precision ? nearest : scaled.rounded(.down)
        guard value.isFinite, value > -9.2e18, value < 9.2e18 else { return value > 0 ? .max : .min }
        return Int64(value)
    }

    /// `2026-01-28T05:14:20.619Z`.
    static func format(_ date: Date) -> String {
        let milliseconds = milliseconds(date)
        let (seconds, fraction) = floorDivision(milliseconds, 1000)
        let text = style.format(Date(timeIntervalSince1970: Double(seconds)))
        let digits = String(fraction)
        return String(text.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Parses `YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|±HH:MM]` (a missing zone means UTC, as Victor
    /// writes them) or a bare date; fractions beyond milliseconds are truncated.
    ///
    /// Impossible dates and times are rejected, never rolled over: February 31, February 29 of a
    /// common year, hour 24, second 60 (a `Date` cannot hold a leap second), and zone offsets
    /// beyond ±23:59.
    static func parse(_ text: String) -> Date? {
        guard let match = shape(text) else { return nil }
        let fields = "\(match.date)T\(match.time ?? "00:00:00")Z"
        guard let local = try? style.parse(fields), style.format(local) == fields else { return nil }
        let offsetMinutes = match.offsetMinutes
        var fractionMilliseconds: Int64 = 0
        if let fraction = match.fraction {
            let digits = fraction.prefix(3)
            fractionMilliseconds = Int64(digits + String(repeating: "0", count: 3 - digits.count)) ?? 0
        }
        let seconds = Int64(local.timeIntervalSince1970) - offsetMinutes * 60
        return Date(timeIntervalSince1970: Double(seconds * 1000 + fractionMilliseconds) / 1000)
    }

    /// The quotient rounded toward negative infinity, and the remainder, which is never negative.
    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }
}
