import VictorDocuments

// Every name and string value enters the authorizer in NFC: configurations when they are
// installed, requests at every public check. After that, names compare by Unicode scalars.

extension AttributeKey {
    func normalized() -> AttributeKey {
        switch self {
        case .user(let name): .user(ExactText.normalized(name))
        case .context(let name): .context(ExactText.normalized(name))
        }
    }
}

extension Condition {
    func normalized() -> Condition {
        Condition(key.normalized(), self.operator, value.normalized())
    }
}

extension Permission {
    func normalized() -> Permission {
        Permission(
            resource: ExactText.normalized(resource),
            action: ExactText.normalized(action),
            constraints: constraints.map { $0.normalized() }
        )
    }
}

extension Role {
    func normalized() -> Role {
        Role(
            ExactText.normalized(name),
            description: ExactText.normalized(description),
            permissions: permissions.map { $0.normalized() },
            inherits: inherits.map(ExactText.normalized)
        )
    }
}

extension User {
    /// The user with every name and string in NFC.
    func normalized() -> User {
        var attributes: [String: AttributeValue] = [:]
        attributes.reserveCapacity(self.attributes.count)
        // Dictionary keys are distinct up to canonical equivalence: none collide in NFC.
        for (name, value) in self.attributes { attributes[ExactText.normalized(name)] = value.normalized() }
        return User(
            ExactText.normalized(id),
            username: ExactText.normalized(username),
            roles: roles.map(ExactText.normalized),
            attributes: attributes,
            permissions: permissions.map { $0.normalized() },
            enabled: enabled
        )
    }
}

extension Policy {
    func normalized() -> Policy {
        Policy(
            ExactText.normalized(name),
            effect: effect,
            resource: ExactText.normalized(resource),
            action: ExactText.normalized(action),
            subjects: subjects.map(ExactText.normalized),
            conditions: conditions.map { $0.normalized() },
            priority: priority,
            description: ExactText.normalized(description)
        )
    }
}

extension AuthorizationConfiguration {
    /// The configuration with every name and string value in NFC.
    /// - Complexity: O(size); ASCII text is not copied.
    func normalized() -> AuthorizationConfiguration {
        AuthorizationConfiguration(
            enabled: enabled,
            defaultDeny: defaultDeny,
            roles: roles.map { $0.normalized() },
            users: users.map { $0.normalized() },
            policies: policies.map { $0.normalized() }
        )
    }
}

/// A request context normalized to NFC once: for a caller that checks many requests with the
/// same facts (an agent's session), so that checks skip normalizing them again.
public struct NormalizedContext: Sendable, Hashable {
    /// The context, every key and string value in NFC.
    public let values: [String: AttributeValue]

    /// Normalizes `context`.
    public init(_ context: [String: AttributeValue] = [:]) {
        values = RequestContext.normalized(context)
    }

    private init(normalized values: [String: AttributeValue]) {
        self.values = values
    }

    /// This context with `extra` added (normalized first); a key of `extra` replaces the same key
    /// here.
    public func adding(_ extra: [String: AttributeValue]) -> NormalizedContext {
        guard !extra.isEmpty else { return self }
        return NormalizedContext(normalized: values.merging(RequestContext.normalized(extra)) { _, new in new })
    }
}

/// A request's context with every key and string value in NFC.
enum RequestContext {
    /// `context` in NFC. A context whose keys and strings are all certainly in NFC (ASCII, or
    /// scalars below U+0300) is returned as it is, without a copy.
    /// - Complexity: O(size of the context).
    @inline(__always)
    static func normalized(_ context: [String: AttributeValue]) -> [String: AttributeValue] {
        if context.isEmpty { return context }
        for (key, value) in context where !NFC.isSurelyNFC(key) || !value.isSurelyNFC {
            return rebuilt(context)
        }
        return context
    }

    private static func rebuilt(_ context: [String: AttributeValue]) -> [String: AttributeValue] {
        var result: [String: AttributeValue] = [:]
        result.reserveCapacity(context.count)
        // A dictionary's keys are distinct up to canonical equivalence, which is equality after
        // NFC normalization, so no two keys collide here.
        for (key, value) in context { result[NFC.normalized(key)] = value.normalized() }
        return result
    }
}
