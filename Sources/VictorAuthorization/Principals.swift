import VictorDocuments

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
