import VictorDocuments

/// Where a condition reads its value: the user's record or the request's context.
///
/// A request's context can never change what a `user.` key reads: `user.clearance_level` is the
/// registered user's attribute, whatever the request claims.
public enum AttributeKey: Sendable, Hashable, CustomStringConvertible {
    /// `user.NAME`: the user's attribute `NAME`; `user.id` is the user's id and `user.roles`
    /// the list of roles the user holds, directly or through inheritance.
    case user(String)
    /// `context.NAME`: the entry `NAME` of the request's context.
    case context(String)

    /// Parses `user.NAME` or `context.NAME`; `nil` for any other form. The prefix is compared
    /// by Unicode scalars, so `user.\u{301}x` names the attribute `\u{301}x`.
    public init?(parsing text: String) {
        if ExactText.hasPrefix(text, "user."), text.utf8.count > 5 {
            self = .user(String(decoding: text.utf8.dropFirst(5), as: UTF8.self))
        } else if ExactText.hasPrefix(text, "context."), text.utf8.count > 8 {
            self = .context(String(decoding: text.utf8.dropFirst(8), as: UTF8.self))
        } else {
            return nil
        }
    }

    /// `user.NAME` or `context.NAME`.
    public var description: String {
        switch self {
        case .user(let name): "user." + name
        case .context(let name): "context." + name
        }
    }
}

/// How a condition compares the value it reads with its operand.
///
/// Every operator but `exists` is *indeterminate* on a missing value, on a value of a kind it
/// cannot compare with the operand (a string with `gt`, a list with `eq`, a string with a
/// number) and on a number that is not finite: an indeterminate deny policy denies, an
/// indeterminate allow policy or permission constraint grants nothing.
public enum ConditionOperator: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Equal: strings by Unicode scalars, integers and numbers exactly by value. A plain value in
    /// a configuration means `eq`.
    case eq
    /// Not equal.
    case ne
    /// Greater than; operand and value are numbers.
    case gt
    /// Greater than or equal; operand and value are numbers.
    case gte
    /// Less than; operand and value are numbers.
    case lt
    /// Less than or equal; operand and value are numbers.
    case lte
    /// The value is one of the operand's elements; the operand is a list.
    case `in` = "in"
    /// The value is none of the operand's elements; the operand is a list.
    case notIn = "not_in"
    /// The value is a list holding the operand, or a string holding the operand as a run of
    /// Unicode scalars.
    case contains
    /// With `true`, the value is present; with `false`, it is absent. Never indeterminate on a
    /// missing value, so `{exists: true, ne: dev}` does not apply when the value is missing.
    case exists

    /// The operator's configuration name, such as `not_in`.
    public var description: String { rawValue }

    /// What the operand must be, or `nil` when any value fits.
    func operandProblem(_ operand: AttributeValue) -> String? {
        switch self {
        case .eq, .ne:
            return nil
        case .gt, .gte, .lt, .lte:
            return operand.isNumeric ? nil : "'\(self)' needs a number, not a \(operand.kindName)"
        case .in, .notIn:
            guard case .list(let elements) = operand else {
                return "'\(self)' needs a list, not a \(operand.kindName)"
            }
            return elements.allSatisfy(\.isScalar) ? nil : "'\(self)' needs a list of scalars"
        case .contains:
            return operand.isScalar ? nil : "'contains' needs a scalar, not a list"
        case .exists:
            guard case .boolean = operand else { return "'exists' needs true or false, not a \(operand.kindName)" }
            return nil
        }
    }
}

/// One test on a request: `key` `operator` `value`, such as `user.clearance_level lt 5`.
///
/// A condition on an attribute the user or the request does not have is indeterminate, unless
/// its operator is `exists` (see ``ConditionOperator``).
public struct Condition: Sendable, Hashable, CustomStringConvertible {
    /// Where the compared value is read.
    public var key: AttributeKey
    /// How it is compared.
    public var `operator`: ConditionOperator
    /// The operand.
    public var value: AttributeValue

    /// Creates a condition.
    public init(_ key: AttributeKey, _ operator: ConditionOperator = .eq, _ value: AttributeValue) {
        self.key = key
        self.operator = `operator`
        self.value = value
    }

    /// `key operator value`, such as `context.env eq "prod"`.
    public var description: String { "\(displayedPattern(key.description)) \(self.operator) \(value)" }
}

extension Array where Element == Condition {
    /// The conditions grouped by key (a stable reordering; a conjunction means the same in
    /// any order), so that a configuration file's mapping of keys represents them exactly.
    func groupedByKey() -> [Condition] {
        guard count > 2 else { return self }
        var order: [AttributeKey] = []
        var groups: [AttributeKey: [Condition]] = [:]
        for condition in self {
            if groups[condition.key] == nil { order.append(condition.key) }
            groups[condition.key, default: []].append(condition)
        }
        return order.flatMap { groups[$0]! }
    }
}

/// `text` as it is when it is plain printable text, else quoted with escapes.
func displayedPattern(_ text: String) -> String {
    let quoted = ExactText.quotedForDisplay(text)
    return !text.isEmpty && ExactBytes.equal(quoted, "'" + text + "'") ? text : quoted
}
