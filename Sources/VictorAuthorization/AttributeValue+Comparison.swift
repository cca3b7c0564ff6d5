import VictorDocuments

/// The outcome of a condition: it holds, it fails, or it cannot be evaluated (the value is
/// missing, of a kind the operator cannot compare, or not a finite number).
enum Truth: Sendable, Hashable {
    case holds
    case fails
    case indeterminate

    /// `fails` for `holds` and the reverse; `indeterminate` stays so.
    @inline(__always)
    var negated: Truth {
        switch self {
        case .holds: .fails
        case .fails: .holds
        case .indeterminate: .indeterminate
        }
    }
}

extension ExactNumber {
    /// Orders two numeric values exactly; `nil` unless both are integers or finite numbers.
    @inline(__always)
    static func compare(_ a: AttributeValue, _ b: AttributeValue) -> NumericOrder? {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y ? .less : x == y ? .equal : .greater
        case (.integer(let x), .number(let y)): return compare(x, y)
        case (.number(let x), .integer(let y)):
            switch compare(y, x) {
            case .less: return .greater
            case .greater: return .less
            case let order: return order
            }
        case (.number(let x), .number(let y)):
            guard x.isFinite, y.isFinite else { return nil }
            return x < y ? .less : x == y ? .equal : .greater
        default: return nil
        }
    }
}

extension AttributeValue {
    /// Equality as conditions see it: strings by Unicode scalars, numbers exactly (an integer and
    /// a number compare by value), lists element by element. Values of different kinds, and
    /// numbers that are not finite, are indeterminate.
    func equality(_ other: AttributeValue) -> Truth {
        switch (self, other) {
        case (.string(let a), .string(let b)): return ExactBytes.equal(a, b) ? .holds : .fails
        case (.boolean(let a), .boolean(let b)): return a == b ? .holds : .fails
        case (.list(let a), .list(let b)):
            guard a.count == b.count else { return isFinite && other.isFinite ? .fails : .indeterminate }
            var result = Truth.holds
            for (x, y) in zip(a, b) {
                switch x.equality(y) {
                case .holds: continue
                case .fails: if result == .holds { result = .fails }
                case .indeterminate: return .indeterminate
                }
            }
            return result
        default:
            guard let order = ExactNumber.compare(self, other) else { return .indeterminate }
            return order == .equal ? .holds : .fails
        }
    }

    /// The value with every string in NFC. Strings already certainly in NFC are returned as
    /// they are.
    func normalized() -> AttributeValue {
        switch self {
        case .string(let text): .string(NFC.normalized(text))
        case .list(let elements): .list(elements.map { $0.normalized() })
        default: self
        }
    }

    /// Whether ``normalized()`` certainly changes nothing, checked without building anything.
    @inline(__always)
    var isSurelyNFC: Bool {
        switch self {
        case .string(let text): NFC.isSurelyNFC(text)
        case .list(let elements): elements.allSatisfy(\.isSurelyNFC)
        default: true
        }
    }
}

extension ConditionOperator {
    /// Evaluates the operator on `value` (the attribute read; `nil` when missing) against
    /// `operand`. Only `exists` decides on a missing value; a value that is not finite, or of a
    /// kind the operator cannot compare with the operand, is indeterminate.
    func evaluate(_ value: AttributeValue?, _ operand: AttributeValue) -> Truth {
        guard let value else {
            guard self == .exists, case .boolean(let wanted) = operand else { return .indeterminate }
            return wanted ? .fails : .holds
        }
        guard value.isFinite else { return .indeterminate }
        switch self {
        case .exists:
            guard case .boolean(let wanted) = operand else { return .indeterminate }
            return wanted ? .holds : .fails
        case .eq:
            return value.equality(operand)
        case .ne:
            return value.equality(operand).negated
        case .gt, .gte, .lt, .lte:
            guard let order = ExactNumber.compare(value, operand) else { return .indeterminate }
            switch self {
            case .gt: return order == .greater ? .holds : .fails
            case .gte: return order != .less ? .holds : .fails
            case .lt: return order == .less ? .holds : .fails
            default: return order != .greater ? .holds : .fails
            }
        case .in:
            return membership(value, operand)
        case .notIn:
            return membership(value, operand).negated
        case .contains:
            switch (value, operand) {
            case (.list(let elements), _):
                return Self.anyEqual(elements, operand)
            case (.string(let text), .string(let part)):
                return ExactBytes.contains(text, part) ? .holds : .fails
            default:
                return .indeterminate
            }
        }
    }

    /// `value` is one of the operand's elements: it holds when an element equals it, fails when
    /// none does and some element can be compared with it, and is indeterminate when none can (or
    /// the value is a list).
    private func membership(_ value: AttributeValue, _ operand: AttributeValue) -> Truth {
        guard value.isScalar, case .list(let elements) = operand else { return .indeterminate }
        return Self.anyEqual(elements, value)
    }

    /// Holds when an element equals `value`; fails when none does and the list is empty or some
    /// element can be compared with `value`; indeterminate otherwise.
    private static func anyEqual(_ elements: [AttributeValue], _ value: AttributeValue) -> Truth {
        if elements.isEmpty { return .fails }
        var comparable = false
        for element in elements {
            switch element.equality(value) {
            case .holds: return .holds
            case .fails: comparable = true
            case .indeterminate: continue
            }
        }
        return comparable ? .fails : .indeterminate
    }

    /// Why ``evaluate(_:_:)`` is indeterminate for these values, for explanations.
    func indeterminacy(_ value: AttributeValue?, _ operand: AttributeValue) -> String {
        guard let value else { return "the value is missing" }
        if !value.isFinite { return "the value is not a finite number" }
        switch self {
        case .gt, .gte, .lt, .lte:
            return "'\(self)' compares numbers, and the value is a \(value.kindName)"
        case .in, .notIn:
            if !value.isScalar { return "'\(self)' compares a single value, and the value is a list" }
            return "a \(value.kindName) cannot equal any element of \(operand)"
        case .contains:
            if case .list = value { return "no element of the list can be compared with \(operand)" }
            return "'contains' reads a list or a string, and the value is a \(value.kindName)"
        default:
            return "a \(value.kindName) cannot be compared with a \(operand.kindName)"
        }
    }
}
