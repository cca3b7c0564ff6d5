/// How two numbers are ordered, compared exactly.
public enum NumericOrder: Sendable, Hashable {
    case less, equal, greater
}

/// Exact comparison of 64-bit integers and finite doubles: no value is rounded.
public enum ExactNumber {
    /// Orders `a` and `b` exactly; `nil` when `b` is not finite.
    ///
    /// Converting `a` to `Double` rounds it beyond 2^53 (`9007199254740993` becomes
    /// `9007199254740992.0`), so instead `b` is split into its integral part, which is exact as an
    /// `Int` once `b` is known to lie in [-2^63, 2^63), and its fractional part.
    @inline(__always)
    public static func compare(_ a: Int, _ b: Double) -> NumericOrder? {
        guard b.isFinite else { return nil }
        // 2^63 and -2^63 are exact doubles; every double at or above 2^63 exceeds every Int, and
        // every double below -2^63 is less than every Int.
        if b >= 9_223_372_036_854_775_808.0 { return .less }
        if b < -9_223_372_036_854_775_808.0 { return .greater }
        let integral = b.rounded(.towardZero)
        let whole = Int(integral)  // exact: integral is an integer in [-2^63, 2^63)
        if a < whole { return .less }
        if a > whole { return .greater }
        let fraction = b - integral  // exact: both share b's exponent range
        if fraction > 0 { return .less }
        if fraction < 0 { return .greater }
        return .equal
    }
}
