import VictorDocuments

/// Whether a policy allows or forbids what it matches.
public enum PolicyEffect: String, Sendable, Hashable, CaseIterable {
    /// Allows the request, unless a deny policy also matches.
    case allow
    /// Forbids the request, whatever allows it and whatever the priorities.
    case deny
    /// Holds a request that would be allowed for a person's approval: the decision is
    /// ``Decision/Reason/approvalRequired``, which is not an allow. It never grants what nothing
    /// else allows, and a deny still wins. A caller that can ask an approver (the tool-call gate)
    /// does; any other caller treats it as a denial.
    case approve
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
