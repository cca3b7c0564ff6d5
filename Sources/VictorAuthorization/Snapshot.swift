import VictorDocuments

/// Records an evaluation step by step for ``Authorizer/explain(user:resource:action:context:)``.
final class Trace {
    var steps: [String] = []
    /// Context keys under this prefix that the request does not carry are undecided: they could
    /// hold any value, so a condition reading one is indeterminate.
    let undecidedPrefix: String?
    /// What a condition reading an undecided key counts as: whatever lets the request through
    /// in the step being evaluated (a deny that fails, an allow that holds), so the decision
    /// says whether some values could allow it.
    var undecidedTruth = Truth.indeterminate

    init(undecidedPrefix: String? = nil) {
        self.undecidedPrefix = undecidedPrefix
    }

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
    let users: FrozenTable<UserEntry>
    /// Every user, compiled, by index.
    let compiledUsers: [CompiledUser]
    let roleNames: [String]
    let roleGrants: RoleGrantIndex
    /// ``RoleGrantIndex/grants``, one field away: a check borrows it from the snapshot in place,
    /// where through the role index it would count a reference on every check.
    let grants: PatternIndex<Grant>
    let denyPolicies: PatternIndex<CompiledPolicy>
    let allowPolicies: PatternIndex<CompiledPolicy>
    let approvePolicies: PatternIndex<CompiledPolicy>

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
        grants = roleGrants.grants

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
        var approve = PatternIndex<CompiledPolicy>.Builder()
        let ranked = configuration.policies.enumerated().sorted { a, b in
            a.element.priority != b.element.priority ? a.element.priority > b.element.priority : a.offset < b.offset
        }
        for (order, policy) in ranked {
            let compiled = CompiledPolicy(policy: policy, order: order, roleIndex: roleIndex, userIndex: userIndex)
            switch policy.effect {
            case .deny: deny.insert(resource: policy.resource, action: policy.action, compiled)
            case .allow: allow.insert(resource: policy.resource, action: policy.action, compiled)
            case .approve: approve.insert(resource: policy.resource, action: policy.action, compiled)
            }
        }
        denyPolicies = PatternIndex(deny)
        allowPolicies = PatternIndex(allow)
        approvePolicies = PatternIndex(approve)
    }

    /// The registered user with id `id` (in NFC).
    @inline(__always)
    func user(_ id: HashedKey) -> CompiledUser? {
        id.withRaw { entry($0) }.map(compiled)
    }

    /// The compiled user of a table entry.
    @inline(__always)
    func compiled(_ entry: UserEntry) -> CompiledUser {
        compiledUsers[Int(entry.index)]
    }

    /// The user table's entry for id `id` (in NFC).
    @inline(__always)
    func entry(_ id: RawName) -> UserEntry? {
        users.find(id)
    }
}
