import Foundation

/// ISO 8601 timestamps as personas store them: UTC, millisecond precision.
enum PersonaTimestamp {
    /// `date` truncated to whole milliseconds, so formatting and parsing give it back exactly.
    static func normalized(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    /// Whole milliseconds since 1970, clamped to the 64-bit range (a non-finite time gives the
    /// nearest end, which validation then rejects).
    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard value.isFinite, value > -9.2e18, value < 9.2e18 else { return value > 0 ? .max : .min }
        return Int64(value)
    }

    /// `2026-01-28T05:14:20.619Z`.
    static func format(_ date: Date) -> String {
        let ms = milliseconds(date)
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let fraction = ms - seconds * 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 3))Z"
    }

    /// Parses `YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|±HH:MM]` (a missing zone means UTC, as Victor
    /// writes them) or a bare date; fractions beyond milliseconds are truncated.
    ///
    /// Impossible dates and times are rejected, never rolled over: February 31, February 29 of a
    /// common year, hour 24, second 60 (a `Date` cannot hold a leap second), and zone offsets
    /// beyond ±23:59. (Foundation's ISO 8601 parsers accept `2024-02-31` as March 2, so they are
    /// not used here.)
    static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int64? {
            guard index + width <= chars.count else { return nil }
            var value: Int64 = 0
            for offset in 0..<width {
                let c = chars[index + offset]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int64(c - 48)
            }
            index += width
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard index < chars.count, chars[index] == c else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
            (1...12).contains(month), day >= 1, day <= daysInMonth(year, month)
        else { return nil }
        var seconds = days(fromCivil: year, month, day) * 86_400
        var fractionMS: Int64 = 0
        if index < chars.count {
            guard chars[index] == 84 || chars[index] == 116 || chars[index] == 32 else { return nil }
            index += 1
            guard let hour = number(2), expect(58), let minute = number(2), expect(58), let second = number(2),
                hour < 24, minute < 60, second < 60
            else { return nil }
            seconds += hour * 3600 + minute * 60 + second
            if expect(46) {
                var digits = 0
                while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                    if digits < 3 { fractionMS = fractionMS * 10 + Int64(chars[index] - 48) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                if digits < 3 {
                    for _ in digits..<3 { fractionMS *= 10 }
                }
            }
            if index < chars.count {
                if expect(90) || expect(122) {
                    // UTC
                } else if chars[index] == 43 || chars[index] == 45 {
                    let sign: Int64 = chars[index] == 43 ? 1 : -1
                    index += 1
                    guard let zoneHour = number(2) else { return nil }
                    _ = expect(58)
                    guard let zoneMinute = number(2), zoneHour < 24, zoneMinute < 60 else { return nil }
                    seconds -= sign * (zoneHour * 3600 + zoneMinute * 60)
                } else {
                    return nil
                }
            }
            guard index == chars.count else { return nil }
        }
        return Date(timeIntervalSince1970: Double(seconds * 1000 + fractionMS) / 1000)
    }

    /// The number of days in a month of the proleptic Gregorian calendar.
    static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
