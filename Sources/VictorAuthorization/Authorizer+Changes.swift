import VictorDocuments
import VictorEvents
import VictorLocks

extension Authorizer {

    /// Replaces the whole configuration, after validating it.
    /// - Throws: ``AuthorizationError/Code/invalidConfiguration``; nothing changes then.
    public func replaceConfiguration(_ configuration: AuthorizationConfiguration) throws(AuthorizationError) {
        try update { $0 = configuration }
    }

    /// Reads, validates and installs the configuration file at `path`, all or nothing.
    /// - Throws: ``AuthorizationError``; nothing changes then.
    public func load(contentsOf path: String) throws(AuthorizationError) {
        let configuration = try AuthorizationConfiguration.load(contentsOf: path)
        try update { $0 = configuration }
    }

    /// Saves the configuration in force to `path` (see ``AuthorizationConfiguration/save(to:)``).
    public func save(to path: String) throws(AuthorizationError) {
        try configuration.save(to: path)
    }

    /// Applies `change` to a copy of the configuration, validates the result whole and swaps it
    /// in with a new generation, invalidating every cached decision. Changes are serialized;
    /// checks continue on the previous snapshot meanwhile. `change` runs under the writer lock:
    /// it may read the authorizer or check, but must not change it (that would deadlock).
    /// - Throws: the error `change` throws, or ``AuthorizationError/Code/invalidConfiguration``;
    ///   nothing changes then.
    /// - Complexity: O(size of the configuration): the snapshot is recompiled.
    public func update(
        _ change: (inout AuthorizationConfiguration) throws(AuthorizationError) -> Void
    )
        throws(AuthorizationError)
    {
        let event = try writer.withLock { state throws(AuthorizationError) -> AuthorizationConfigurationChanged in
            var configuration = state.configuration
            try change(&configuration)
            try configuration.validate()
            configuration = configuration.normalized()
            let generation = state.generation + 1
            let snapshot = Snapshot(configuration, generation: generation)
            current.store(snapshot)
            state.configuration = configuration
            state.generation = generation
            return AuthorizationConfigurationChanged(
                generation: generation,
                roles: configuration.roles.count,
                users: configuration.users.count,
                policies: configuration.policies.count
            )
        }
        recordGeneration(event.generation)
        if let bus, bus.hasSubscribers(for: AuthorizationConfigurationChanged.self) { bus.publish(event) }
    }

    /// Adds a role, or replaces the role with the same name (in NFC).
    public func setRole(_ role: Role) throws(AuthorizationError) {
        try update { $0.roles.replaceOrAppend(role, matching: \.name) }
    }

    /// Removes a role. Fails (changing nothing) while a user, role or policy still names it.
    public func removeRole(named name: String) throws(AuthorizationError) {
        try update { $0.roles.removeAll(named: name, by: \.name) }
    }

    /// Adds a user, or replaces the user with the same id (in NFC).
    public func setUser(_ user: User) throws(AuthorizationError) {
        try update { $0.users.replaceOrAppend(user, matching: \.id) }
    }

    /// Removes a user; checks for the id are denied from then on.
    public func removeUser(withID id: String) throws(AuthorizationError) {
        try update { $0.users.removeAll(named: id, by: \.id) }
    }

    /// Adds a policy, or replaces the policy with the same name (in NFC).
    public func setPolicy(_ policy: Policy) throws(AuthorizationError) {
        try update { $0.policies.replaceOrAppend(policy, matching: \.name) }
    }

    /// Removes a policy.
    public func removePolicy(named name: String) throws(AuthorizationError) {
        try update { $0.policies.removeAll(named: name, by: \.name) }
    }

    /// Switches authorization on or off.
    public func setEnabled(_ enabled: Bool) throws(AuthorizationError) {
        try update { $0.enabled = enabled }
    }
}

extension Array {
    /// Replaces the element whose name equals `element`'s after NFC normalization, or appends
    /// `element` when none does.
    fileprivate mutating func replaceOrAppend(_ element: Element, matching name: KeyPath<Element, String>) {
        let wanted = ExactText.normalized(element[keyPath: name])
        if let index = firstIndex(where: { ExactBytes.equal(ExactText.normalized($0[keyPath: name]), wanted) }) {
            self[index] = element
        } else {
            append(element)
        }
    }

    /// Removes the elements whose name equals `name` after NFC normalization.
    fileprivate mutating func removeAll(named name: String, by key: KeyPath<Element, String>) {
        let wanted = ExactText.normalized(name)
        removeAll { ExactBytes.equal(ExactText.normalized($0[keyPath: key]), wanted) }
    }
}
