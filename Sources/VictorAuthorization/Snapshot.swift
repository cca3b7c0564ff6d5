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
                Decision(reason: .allowedByRole, decidedBy: .role(roleName, permission))
            } else {
                Decision(reason: .allowedByPermission, decidedBy: .permission(permission))
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
        decision = Decision(
            reason: policy.effect == .deny ? .forbiddenByPolicy : .allowedByPolicy,
            decidedBy: .policy(policy.name)
        )
        indeterminateDecision = Decision(reason: .forbiddenByIndeterminatePolicy, decidedBy: .policy(policy.name))
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

/// Records an evaluation step by step for ``Authorizer/explain(user:resource:action:context:)``.
final class Trace {
    var steps: [String] = []
    func add(_ step: String) { steps.append(step) }
}

/// One immutable, validated, compiled state of an authorizer. Checks read a snapshot without
/// locks; a change builds a new snapshot and swaps it in whole.
final class Snapshot: Sendable {
    let generation: UInt64
    /// The configuration in force, in NFC.
    let configuration: AuthorizationConfiguration
    let enabled: Bool
    let defaultDeny: Bool
    let users: FrozenTable<String, UserEntry>
    /// Every user, compiled, by index.
    let compiledUsers: [CompiledUser]
    let roleNames: [String]
    let roleGrants: RoleGrantIndex
    let denyPolicies: PatternIndex<CompiledPolicy>
    let allowPolicies: PatternIndex<CompiledPolicy>

    /// Compiles a configuration that has passed validation and is in NFC.
    /// - Complexity: O(roles + permissions + inheritance edges + policies + users × roles held
    ///   directly), plus, per distinct set of roles held directly, the roles it reaches.
    init(_ configuration: AuthorizationConfiguration, generation: UInt64) {
        self.generation = generation
        self.configuration = configuration
        enabled = configuration.enabled
        defaultDeny = configuration.defaultDeny

        var roleIndex: [HashedKey: Int32] = [:]
        roleIndex.reserveCapacity(configuration.roles.count)
        for (index, role) in configuration.roles.enumerated() { roleIndex[HashedKey(role.name)] = Int32(index) }
        let roleNames = configuration.roles.map(\.name)
        self.roleNames = roleNames
        let roleGrants = RoleGrantIndex(roles: configuration.roles, roleIndex: roleIndex) { role, permission in
            Grant(role: role, roleName: roleNames[Int(role)], permission: permission, roleIndex: roleIndex)
        }
        self.roleGrants = roleGrants

        var interner = RoleSetInterner(index: roleGrants, roleCount: roleNames.count)
        var users: [(hash: UInt64, key: String, value: UserEntry)] = []
        users.reserveCapacity(configuration.users.count)
        var userIndex: [HashedKey: Int32] = [:]
        userIndex.reserveCapacity(configuration.users.count)
        var compiledUsers: [CompiledUser] = []
        compiledUsers.reserveCapacity(configuration.users.count)
        for (index, user) in configuration.users.enumerated() {
            var held: [Int32] = []
            for name in user.roles {
                guard let role = roleIndex[HashedKey(name)], !held.contains(role) else { continue }
                held.append(role)
            }
            var direct = PatternIndex<Grant>.Builder()
            for permission in user.permissions {
                direct.insert(
                    resource: permission.resource,
                    action: permission.action,
                    Grant(role: -1, roleName: nil, permission: permission, roleIndex: roleIndex)
                )
            }
            let compiled = CompiledUser(
                user: user,
                index: Int32(index),
                held: held,
                roles: interner.roles(holding: held),
                direct: direct.count == 0 ? nil : PatternIndex(direct)
            )
            let key = HashedKey(user.id)
            users.append((key.hash, user.id, UserEntry(compiled)))
            userIndex[key] = Int32(index)
            compiledUsers.append(compiled)
        }
        self.users = FrozenTable(users)
        self.compiledUsers = compiledUsers

        var deny = PatternIndex<CompiledPolicy>.Builder()
        var allow = PatternIndex<CompiledPolicy>.Builder()
        let ranked = configuration.policies.enumerated().sorted { a, b in
            a.element.priority != b.element.priority ? a.element.priority > b.element.priority : a.offset < b.offset
        }
        for (order, policy) in ranked {
            let compiled = CompiledPolicy(policy: policy, order: order, roleIndex: roleIndex, userIndex: userIndex)
            switch policy.effect {
            case .deny: deny.insert(resource: policy.resource, action: policy.action, compiled)
            case .allow: allow.insert(resource: policy.resource, action: policy.action, compiled)
            }
        }
        denyPolicies = PatternIndex(deny)
        allowPolicies = PatternIndex(allow)
    }

    /// The registered user with id `id` (in NFC).
    @inline(__always)
    func user(_ id: HashedKey) -> CompiledUser? {
        entry(id).map(compiled)
    }

    /// The compiled user of a table entry.
    @inline(__always)
    func compiled(_ entry: UserEntry) -> CompiledUser {
        compiledUsers[Int(entry.index)]
    }

    /// The user table's entry for id `id` (in NFC).
    @inline(__always)
    func entry(_ id: HashedKey) -> UserEntry? {
        users.find(id.hash) { ExactBytes.equal($0, id.text) }
    }
}
