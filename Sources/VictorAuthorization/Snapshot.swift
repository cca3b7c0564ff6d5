/// A condition with its source resolved once, so evaluation does not re-parse key names.
struct CompiledCondition: Sendable {
    enum Source: Sendable {
        case userID
        case userRoles
        case userAttribute(String)
        case context(String)
    }

    let source: Source
    let op: ConditionOperator
    let operand: AttributeValue
    let condition: Condition

    init(_ condition: Condition) {
        self.condition = condition
        switch condition.key {
        case .user("id"): source = .userID
        case .user("roles"): source = .userRoles
        case .user(let name): source = .userAttribute(name)
        case .context(let name): source = .context(name)
        }
        op = condition.operator
        operand = condition.value
    }
}

/// A permission as filed in an index: the permission, the role defining it (`nil` for a
/// direct permission) and its compiled constraints.
final class Grant: Sendable {
    let role: String?
    let permission: Permission
    let constraints: [CompiledCondition]
    /// The decision this grant makes when it allows.
    let decision: Decision
    /// The next grant in the same index bucket.
    let next: Grant?

    init(role: String?, permission: Permission, next: Grant? = nil) {
        self.role = role
        self.permission = permission
        self.next = next
        constraints = permission.constraints.map(CompiledCondition.init)
        decision =
            if let role {
                Decision(reason: .allowedByRole, decidedBy: .role(role, permission))
            } else {
                Decision(reason: .allowedByPermission, decidedBy: .permission(permission))
            }
    }
}

/// A policy ready for evaluation: subjects split into everyone / user ids / role indices.
final class CompiledPolicy: Sendable {
    let policy: Policy
    let order: Int
    let everyone: Bool
    let userIDs: [String]
    let roles: [Int32]
    let conditions: [CompiledCondition]
    /// The decision this policy makes when it applies.
    let decision: Decision

    init(policy: Policy, order: Int, roleIndex: [String: Int32]) {
        self.policy = policy
        self.order = order
        var userIDs: [String] = []
        var roles: [Int32] = []
        for subject in policy.subjects {
            if subject.hasPrefix("role:") {
                if let index = roleIndex[String(subject.dropFirst(5))] { roles.append(index) }
            } else {
                userIDs.append(subject)
            }
        }
        everyone = policy.subjects.isEmpty
        self.userIDs = userIDs
        self.roles = roles
        conditions = policy.conditions.map(CompiledCondition.init)
        decision = Decision(
            reason: policy.effect == .deny ? .forbiddenByPolicy : .allowedByPolicy,
            decidedBy: .policy(policy.name)
        )
    }

    /// Whether this policy outranks `other` when both match: higher priority, then earlier.
    @inline(__always)
    func outranks(_ other: CompiledPolicy) -> Bool {
        policy.priority > other.policy.priority || (policy.priority == other.policy.priority && order < other.order)
    }
}

/// A user with everything a check needs precomputed. The fields a check reads come first, so
/// they share a cache line.
final class CompiledUser: Sendable {
    /// Whether the user is enabled.
    let enabled: Bool
    /// The first two roles held directly (-1 when absent); the rest in ``moreRoles``.
    let role0: Int32
    let role1: Int32
    let moreRoles: [Int32]
    /// Permissions granted directly; `nil` when there are none.
    let direct: PatternIndex<Grant>?
    /// Indices of every role held, directly or through inheritance.
    let effectiveRoles: Set<Int32>
    /// `user.roles` as conditions read it: every role held, sorted.
    let roleList: AttributeValue
    let user: User

    init(
        user: User,
        heldRoles: [Int32],
        effectiveRoles: Set<Int32>,
        roleList: AttributeValue,
        direct: PatternIndex<Grant>?
    ) {
        enabled = user.enabled
        role0 = heldRoles.count > 0 ? heldRoles[0] : -1
        role1 = heldRoles.count > 1 ? heldRoles[1] : -1
        moreRoles = Array(heldRoles.dropFirst(2))
        self.direct = direct
        self.effectiveRoles = effectiveRoles
        self.roleList = roleList
        self.user = user
    }

    /// Calls `body` with each role held directly, in order, until it returns `true`.
    @inline(__always)
    func forEachRole(_ body: (Int32) -> Bool) {
        if role0 < 0 || body(role0) { return }
        if role1 < 0 || body(role1) { return }
        for role in moreRoles where body(role) { return }
    }

    @inline(__always)
    func value(of source: CompiledCondition.Source, context: [String: AttributeValue]) -> AttributeValue? {
        switch source {
        case .userID: .string(user.id)
        case .userRoles: roleList
        case .userAttribute(let name): user.attributes[name]
        case .context(let name): context[name]
        }
    }
}

/// A user's entry in the snapshot's user table: what most checks need, inline in the table slot
/// so that a check of a user with at most two roles and no direct permissions reads no further.
struct UserEntry: Sendable {
    let role0: Int32
    let role1: Int32
    let enabled: Bool
    /// At most two roles held directly and no direct permissions: ``role0`` and ``role1`` say all.
    let simple: Bool
    let compiled: CompiledUser

    init(_ compiled: CompiledUser) {
        role0 = compiled.role0
        role1 = compiled.role1
        enabled = compiled.enabled
        simple = compiled.moreRoles.isEmpty && compiled.direct == nil
        self.compiled = compiled
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
    let configuration: AuthorizationConfiguration
    let enabled: Bool
    let defaultDeny: Bool
    let users: FrozenTable<String, UserEntry>
    let roleNames: [String]
    let roleGrants: RoleGrantIndex
    let denyPolicies: PatternIndex<CompiledPolicy>
    let allowPolicies: PatternIndex<CompiledPolicy>

    /// Compiles a configuration that has passed validation.
    /// - Complexity: O(roles × inheritance depth + users × roles held + policies).
    init(_ configuration: AuthorizationConfiguration, generation: UInt64) {
        self.generation = generation
        self.configuration = configuration
        enabled = configuration.enabled
        defaultDeny = configuration.defaultDeny

        var roleIndex: [String: Int32] = [:]
        for (index, role) in configuration.roles.enumerated() { roleIndex[role.name] = Int32(index) }
        roleNames = configuration.roles.map(\.name)

        // Closures: every role reachable through `inherits`, the role itself first.
        var closures: [[Int32]] = Array(repeating: [], count: configuration.roles.count)
        func closure(_ index: Int32, _ visiting: inout Set<Int32>) -> [Int32] {
            if !closures[Int(index)].isEmpty { return closures[Int(index)] }
            var result: [Int32] = [index]
            var seen: Set<Int32> = [index]
            visiting.insert(index)
            for parent in configuration.roles[Int(index)].inherits {
                guard let parentIndex = roleIndex[parent], !visiting.contains(parentIndex) else { continue }
                for ancestor in closure(parentIndex, &visiting) where seen.insert(ancestor).inserted {
                    result.append(ancestor)
                }
            }
            visiting.remove(index)
            closures[Int(index)] = result
            return result
        }
        for index in configuration.roles.indices {
            var visiting = Set<Int32>()
            _ = closure(Int32(index), &visiting)
        }
        roleGrants = RoleGrantIndex(roles: configuration.roles, closures: closures)

        var users: [(hash: UInt64, key: String, value: UserEntry)] = []
        users.reserveCapacity(configuration.users.count)
        for user in configuration.users {
            var effective = Set<Int32>()
            var held: [Int32] = []
            for name in user.roles {
                guard let index = roleIndex[name], !held.contains(index) else { continue }
                held.append(index)
                effective.formUnion(closures[Int(index)])
            }
            var direct = PatternIndex<Grant>.Builder()
            for permission in user.permissions {
                direct.insert(
                    resource: permission.resource,
                    action: permission.action,
                    Grant(role: nil, permission: permission)
                )
            }
            let names = effective.map { configuration.roles[Int($0)].name }.sorted()
            let compiled = CompiledUser(
                user: user,
                heldRoles: held,
                effectiveRoles: effective,
                roleList: .list(names.map(AttributeValue.string)),
                direct: direct.count == 0 ? nil : PatternIndex(direct)
            )
            users.append((FastHash.hash(user.id), user.id, UserEntry(compiled)))
        }
        self.users = FrozenTable(users)

        var deny = PatternIndex<CompiledPolicy>.Builder()
        var allow = PatternIndex<CompiledPolicy>.Builder()
        let ranked = configuration.policies.enumerated().sorted { a, b in
            a.element.priority != b.element.priority ? a.element.priority > b.element.priority : a.offset < b.offset
        }
        for (order, policy) in ranked {
            let compiled = CompiledPolicy(policy: policy, order: order, roleIndex: roleIndex)
            switch policy.effect {
            case .deny: deny.insert(resource: policy.resource, action: policy.action, compiled)
            case .allow: allow.insert(resource: policy.resource, action: policy.action, compiled)
            }
        }
        denyPolicies = PatternIndex(deny)
        allowPolicies = PatternIndex(allow)
    }

    // MARK: Evaluation

    /// The registered user with id `id`.
    @inline(__always)
    func user(_ id: HashedKey) -> CompiledUser? {
        entry(id)?.compiled
    }

    /// The user table's entry for id `id`.
    @inline(__always)
    func entry(_ id: HashedKey) -> UserEntry? {
        users.find(id.hash) { $0 == id.text }
    }

    static let notPermitted = Decision(reason: .notPermitted, decidedBy: .default)
    static let allowedByDefault = Decision(reason: .allowedByDefault, decidedBy: .default)
    static let disabled = Decision(reason: .authorizationDisabled, decidedBy: .disabled)

    /// Decides a request for the user with id `id`.
    /// - Returns: the decision, and whether it read the request's context (such decisions are
    ///   not cached).
    @inline(__always)
    func decide(
        _ id: HashedKey,
        _ key: PairKey,
        _ context: [String: AttributeValue],
        _ trace: Trace?
    ) -> (Decision, contextDependent: Bool) {
        if !enabled {
            trace?.add("authorization is disabled: every request is allowed")
            return (Self.disabled, false)
        }
        guard let entry = entry(id) else {
            trace?.add("user '\(id.text)' is not registered")
            return (Decision(reason: .unknownUser, decidedBy: .user(id.text)), false)
        }
        guard entry.enabled else {
            trace?.add("user '\(id.text)' is disabled")
            return (Decision(reason: .userDisabled, decidedBy: .user(id.text)), false)
        }
        if trace == nil, entry.simple, denyPolicies.isEmpty, allowPolicies.isEmpty {
            return decideByRoles(entry, key, context)
        }
        return decide(entry.compiled, key, context, trace)
    }

    /// ``decide(_:_:_:_:)-(CompiledUser,_,_,_)`` for the common case of no policies and a user
    /// whose table entry lists every role it holds: the same order and outcome, without reading
    /// the compiled user unless a grant has constraints.
    @inline(__always)
    func decideByRoles(
        _ entry: UserEntry,
        _ key: PairKey,
        _ context: [String: AttributeValue]
    ) -> (Decision, contextDependent: Bool) {
        var dependent = false
        var allowed: Decision?
        func grant(_ role: Int32) -> Bool {
            role >= 0
                && roleGrants.forEachCandidate(role: role, key) { grant in
                    guard
                        grant.constraints.isEmpty || holds(grant.constraints, entry.compiled, context, &dependent, nil)
                    else { return false }
                    allowed = grant.decision
                    return true
                }
        }
        if grant(entry.role0) || grant(entry.role1), let allowed { return (allowed, dependent) }
        return (defaultDeny ? Self.notPermitted : Self.allowedByDefault, dependent)
    }

    /// Decides a request for a registered, enabled user: deny policies, then allow policies,
    /// role permissions and direct permissions, then the default.
    func decide(
        _ user: CompiledUser,
        _ key: PairKey,
        _ context: [String: AttributeValue],
        _ trace: Trace?
    ) -> (Decision, contextDependent: Bool) {
        var dependent = false
        if let trace {
            let roles = user.roleList
            trace.add(
                "user '\(user.user.id)': enabled, holds \(user.user.roles) directly, \(roles) with inheritance; "
                    + "request \(key.action.text) on \(key.resource.text)"
            )
        }

        // 1. Any matching deny policy forbids, whatever the priorities.
        if !denyPolicies.isEmpty {
            var best: CompiledPolicy?
            denyPolicies.forEachCandidate(key) { policy in
                if trace == nil, let best, !policy.outranks(best) { return false }
                if applies(policy, to: user, context, &dependent, trace), best.map(policy.outranks) ?? true {
                    best = policy
                }
                return false
            }
            if let best {
                trace?.add("deny policy '\(best.policy.name)' forbids the request")
                return (best.decision, dependent)
            }
        } else {
            trace?.add("no deny policy applies to \(key.action.text) on \(key.resource.text)")
        }

        // 2. An allow policy, a role permission or a direct permission allows.
        var allowed: Decision?
        if !allowPolicies.isEmpty {
            var best: CompiledPolicy?
            allowPolicies.forEachCandidate(key) { policy in
                if trace == nil, let best, !policy.outranks(best) { return false }
                if applies(policy, to: user, context, &dependent, trace), best.map(policy.outranks) ?? true {
                    best = policy
                }
                return false
            }
            if let best { allowed = best.decision }
        }
        if allowed == nil || trace != nil {
            user.forEachRole { role in
                roleGrants.forEachCandidate(role: role, key) { grant in
                    guard holds(grant.constraints, user, context, &dependent, trace) else {
                        trace?.add(
                            "role '\(roleNames[Int(role)])' via '\(grant.role ?? "")': \(grant.permission) — constraints fail"
                        )
                        return false
                    }
                    trace?.add("role '\(roleNames[Int(role)])' via '\(grant.role ?? "")': \(grant.permission) — grants")
                    if allowed == nil { allowed = grant.decision }
                    return trace == nil
                }
            }
        }
        if allowed == nil || trace != nil {
            user.direct?.forEachCandidate(key) { grant in
                guard holds(grant.constraints, user, context, &dependent, trace) else {
                    trace?.add("direct permission \(grant.permission) — constraints fail")
                    return false
                }
                trace?.add("direct permission \(grant.permission) — grants")
                if allowed == nil { allowed = grant.decision }
                return trace == nil
            }
        }
        if let allowed { return (allowed, dependent) }

        // 3. The default.
        if defaultDeny {
            trace?.add(
                "no policy, role or permission allows \(key.action.text) on \(key.resource.text); the default is deny"
            )
            return (Self.notPermitted, dependent)
        }
        trace?.add("nothing allows or forbids \(key.action.text) on \(key.resource.text); the default is allow")
        return (Self.allowedByDefault, dependent)
    }

    @inline(__always)
    func applies(
        _ policy: CompiledPolicy,
        to user: CompiledUser,
        _ context: [String: AttributeValue],
        _ dependent: inout Bool,
        _ trace: Trace?
    ) -> Bool {
        let kind = policy.policy.effect.rawValue
        let subject =
            policy.everyone || policy.userIDs.contains(user.user.id)
            || policy.roles.contains { user.effectiveRoles.contains($0) }
        guard subject else {
            trace?.add(
                "\(kind) policy '\(policy.policy.name)': user is not among its subjects \(policy.policy.subjects)"
            )
            return false
        }
        guard holds(policy.conditions, user, context, &dependent, trace) else {
            trace?.add("\(kind) policy '\(policy.policy.name)' (priority \(policy.policy.priority)): conditions fail")
            return false
        }
        trace?.add("\(kind) policy '\(policy.policy.name)' (priority \(policy.policy.priority)): applies")
        return true
    }

    @inline(__always)
    func holds(
        _ conditions: [CompiledCondition],
        _ user: CompiledUser,
        _ context: [String: AttributeValue],
        _ dependent: inout Bool,
        _ trace: Trace?
    ) -> Bool {
        for condition in conditions {
            if case .context = condition.source { dependent = true }
            guard let value = user.value(of: condition.source, context: context) else {
                trace?.add("  \(condition.condition): \(condition.condition.key) is missing → false")
                return false
            }
            let result = condition.op.test(value, condition.operand)
            trace?.add("  \(condition.condition): \(condition.condition.key) is \(value) → \(result)")
            if !result { return false }
        }
        return true
    }
}
