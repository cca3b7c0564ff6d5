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

/// A right to perform `action` on `resource`, when every constraint holds.
///
/// Resource and action are exact names, `*` (anything), or a prefix ending in `*` (`tools/*`).
/// Constraints that are indeterminate grant nothing.
public struct Permission: Sendable, Hashable, CustomStringConvertible {
    /// The resource pattern.
    public var resource: String
    /// The action pattern.
    public var action: String
    /// Conditions that must all hold for the permission to apply. Kept grouped by key, in the
    /// order keys first appear, as a configuration file writes them.
    public var constraints: [Condition] {
        didSet { constraints = constraints.groupedByKey() }
    }

    /// Creates a permission.
    public init(resource: String, action: String, constraints: [Condition] = []) {
        self.resource = resource
        self.action = action
        self.constraints = constraints.groupedByKey()
    }

    /// `action on resource`, with the constraints when there are any; names quoted when they
    /// hold anything but printable characters.
    public var description: String {
        let base = "\(displayedPattern(action)) on \(displayedPattern(resource))"
        return constraints.isEmpty ? base : base + " when " + constraints.map(\.description).joined(separator: " and ")
    }
}

/// A named set of permissions, optionally inheriting the permissions of other roles.
public struct Role: Sendable, Hashable {
    /// The role's unique name.
    public var name: String
    /// A human description.
    public var description: String
    /// Permissions the role grants itself.
    public var permissions: [Permission]
    /// Roles whose permissions this role also grants, at any depth. Cycles are rejected.
    public var inherits: [String]

    /// Creates a role.
    public init(_ name: String, description: String = "", permissions: [Permission] = [], inherits: [String] = []) {
        self.name = name
        self.description = description
        self.permissions = permissions
        self.inherits = inherits
    }
}

/// Someone checks are made for: a person or an agent.
public struct User: Sendable, Hashable {
    /// The unique id checks name the user by.
    public var id: String
    /// A display name; defaults to the id.
    public var username: String
    /// Roles held directly.
    public var roles: [String]
    /// Attributes conditions read as `user.NAME`. `id` and `roles` are reserved names.
    public var attributes: [String: AttributeValue]
    /// Permissions granted to the user directly.
    public var permissions: [Permission]
    /// A disabled user is denied everything.
    public var enabled: Bool

    /// Creates a user.
    public init(
        _ id: String,
        username: String? = nil,
        roles: [String] = [],
        attributes: [String: AttributeValue] = [:],
        permissions: [Permission] = [],
        enabled: Bool = true
    ) {
        self.id = id
        self.username = username ?? id
        self.roles = roles
        self.attributes = attributes
        self.permissions = permissions
        self.enabled = enabled
    }
}

/// Whether a policy allows or forbids what it matches.
public enum PolicyEffect: String, Sendable, Hashable, CaseIterable {
    /// Allows the request, unless a deny policy also matches.
    case allow
    /// Forbids the request, whatever allows it and whatever the priorities.
    case deny
}

/// A rule allowing or forbidding an action on a resource to some subjects under conditions.
public struct Policy: Sendable, Hashable {
    /// The policy's unique name.
    public var name: String
    /// Allow or deny.
    public var effect: PolicyEffect
    /// The resource pattern: exact, `*`, or a prefix ending in `*`.
    public var resource: String
    /// The action pattern: exact, `*`, or a prefix ending in `*`.
    public var action: String
    /// User ids and `role:NAME` entries the policy applies to; empty means everyone.
    public var subjects: [String]
    /// Conditions that must all hold for the policy to apply. Kept grouped by key, in the order
    /// keys first appear, as a configuration file writes them.
    public var conditions: [Condition] {
        didSet { conditions = conditions.groupedByKey() }
    }
    /// Orders matching policies of the same effect when reporting which one decided; a deny
    /// still overrides every allow whatever the priorities.
    public var priority: Int
    /// A human description.
    public var description: String

    /// Creates a policy.
    public init(
        _ name: String,
        effect: PolicyEffect,
        resource: String,
        action: String,
        subjects: [String] = [],
        conditions: [Condition] = [],
        priority: Int = 0,
        description: String = ""
    ) {
        self.name = name
        self.effect = effect
        self.resource = resource
        self.action = action
        self.subjects = subjects
        self.conditions = conditions.groupedByKey()
        self.priority = priority
        self.description = description
    }
}

/// One resource/action pair of a bulk check.
public struct AccessRequest: Sendable, Hashable {
    /// The resource asked for.
    public var resource: String
    /// The action asked for.
    public var action: String

    /// Creates a request.
    public init(resource: String, action: String) {
        self.resource = resource
        self.action = action
    }
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
