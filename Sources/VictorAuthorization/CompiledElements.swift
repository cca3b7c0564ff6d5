import VictorDocuments

/// A condition with its source resolved once, so evaluation does not re-parse key names. A
/// class, so that walking a list of them costs no copies of their fields.
final class CompiledCondition: Sendable {
    enum Source: Sendable {
        case userID
        case userRoles
        case userAttribute(HashedKey)
        case context(String)
    }

    let source: Source
    let op: ConditionOperator
    let operand: AttributeValue
    /// For `user.roles contains NAME`: the index of role NAME, or -1 when there is none.
    let roleOperand: Int32
    let condition: Condition

    /// - Parameters:
    ///   - condition: a condition in NFC.
    ///   - roleIndex: each role name's index.
    init(_ condition: Condition, roleIndex: [HashedKey: Int32]) {
        self.condition = condition
        switch condition.key {
        case .user("id"): source = .userID
        case .user("roles"): source = .userRoles
        case .user(let name): source = .userAttribute(HashedKey(name))
        case .context(let name): source = .context(name)
        }
        op = condition.operator
        operand = condition.value
        if case .userRoles = source, case .string(let name) = operand {
            roleOperand = roleIndex[HashedKey(name)] ?? -1
        } else {
            roleOperand = -1
        }
        if case .context = source { readsContext = true } else { readsContext = false }
    }

    /// Whether the condition reads the request's context.
    let readsContext: Bool
}

/// A permission as filed in an index: the permission, the role defining it (-1 for a direct
/// permission) and its compiled constraints.
final class Grant: Sendable {
    let role: Int32
    let permission: Permission
    let constraints: [CompiledCondition]
    /// The decision this grant makes when it allows.
    let decision: Decision

    init(role: Int32, roleName: String?, permission: Permission, roleIndex: [HashedKey: Int32]) {
        self.role = role
        self.permission = permission
        constraints = permission.constraints.map { CompiledCondition($0, roleIndex: roleIndex) }
        decision =
            if let roleName {
                Decision(compiled: .allowedByRole, decidedBy: .role(roleName, permission))
            } else {
                Decision(compiled: .allowedByPermission, decidedBy: .permission(permission))
            }
    }
}

/// A policy ready for evaluation: subjects split into everyone / user indices / role indices.
final class CompiledPolicy: Sendable {
    let policy: Policy
    let order: Int
    let everyone: Bool
    let users: [Int32]
    let roles: [Int32]
    let conditions: [CompiledCondition]
    /// The decision this policy makes when it applies.
    let decision: Decision
    /// The decision a deny policy makes when its conditions are indeterminate.
    let indeterminateDecision: Decision

    init(policy: Policy, order: Int, roleIndex: [HashedKey: Int32], userIndex: [HashedKey: Int32]) {
        self.policy = policy
        self.order = order
        var users: [Int32] = []
        var roles: [Int32] = []
        for subject in policy.subjects {
            if ExactText.hasPrefix(subject, "role:") {
                let name = String(decoding: subject.utf8.dropFirst(5), as: UTF8.self)
                if let index = roleIndex[HashedKey(name)] { roles.append(index) }
            } else if let index = userIndex[HashedKey(subject)] {
                users.append(index)
            }
        }
        everyone = policy.subjects.isEmpty
        self.users = users
        self.roles = roles
        conditions = policy.conditions.map { CompiledCondition($0, roleIndex: roleIndex) }
        let reason: Decision.Reason =
            switch policy.effect {
            case .deny: .forbiddenByPolicy
            case .allow: .allowedByPolicy
            case .approve: .approvalRequired
            }
        decision = Decision(compiled: reason, decidedBy: .policy(policy.name))
        // An indeterminate approval still asks: failing closed means asking, not skipping.
        indeterminateDecision = Decision(
            compiled: policy.effect == .approve ? .approvalRequired : .forbiddenByIndeterminatePolicy,
            decidedBy: .policy(policy.name)
        )
    }

    /// Whether this policy outranks `other` when both match: higher priority, then earlier.
    @inline(__always)
    func outranks(_ other: CompiledPolicy) -> Bool {
        policy.priority > other.policy.priority || (policy.priority == other.policy.priority && order < other.order)
    }

    /// Whether the policy names `user` among its subjects, by id or by a role held.
    @inline(__always)
    func covers(_ user: CompiledUser) -> Bool {
        everyone || users.contains(user.index) || roles.contains { user.roles.contains($0) }
    }
}

/// A user with everything a check needs precomputed.
final class CompiledUser: Sendable {
    let enabled: Bool
    /// The user's position in the configuration.
    let index: Int32
    /// Every role held, directly or through inheritance.
    let roles: RoleMembership
    /// Roles held directly, in order, each once.
    let held: [Int32]
    /// Permissions granted directly; `nil` when there are none.
    let direct: PatternIndex<Grant>?
    /// The attributes with their names' hashes, for a linear scan (users hold few).
    let attributes: [(hash: UInt64, name: String, value: AttributeValue)]
    /// The user, in NFC.
    let user: User

    init(user: User, index: Int32, held: [Int32], roles: RoleMembership, direct: PatternIndex<Grant>?) {
        enabled = user.enabled
        self.index = index
        self.held = held
        self.roles = roles
        self.direct = direct
        attributes = user.attributes.map { (FastHash.hash($0.key), $0.key, $0.value) }
        self.user = user
    }

    @inline(__always)
    func attribute(_ name: HashedKey) -> AttributeValue? {
        for index in attributes.indices
        where attributes[index].hash == name.hash && ExactBytes.equal(attributes[index].name, name.text) {
            return attributes[index].value
        }
        return nil
    }
}

/// A user's entry in the snapshot's user table: what most checks need, inline in the table
/// slot and free of references (copying it counts no references), so that a check of a user
/// without direct permissions and with at most eight roles reads no further.
struct UserEntry: Sendable {
    /// The roles held, when packed; then with no direct permissions ``simple`` is `true`.
    let roles: InlineRoles?
    /// The compiled user's index in ``Snapshot/compiledUsers``.
    let index: Int32
    let enabled: Bool
    /// No direct permissions and the roles packed: ``roles`` says all.
    let simple: Bool

    init(_ compiled: CompiledUser) {
        roles = compiled.roles.packed
        index = compiled.index
        enabled = compiled.enabled
        simple = compiled.direct == nil && roles != nil
    }
}
