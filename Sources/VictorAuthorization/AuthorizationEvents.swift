public import VictorEvents

/// Published for every decision, when anyone listens: the audit trail.
public struct AuthorizationDecided: VictorEvent {
    /// `authz.decision`
    public static let name = "authz.decision"
    /// The user id checked.
    public let user: String
    /// The resource asked for.
    public let resource: String
    /// The action asked for.
    public let action: String
    /// The decision: allowed or denied, why, and what decided it.
    public let decision: Decision
    /// The configuration generation the decision was made under.
    public let generation: UInt64

    /// Whether the request was allowed.
    public var allowed: Bool { decision.allowed }
}

/// Published when a new configuration has been swapped in.
public struct AuthorizationConfigurationChanged: VictorEvent {
    /// `authz.configuration.changed`
    public static let name = "authz.configuration.changed"
    /// The new generation.
    public let generation: UInt64
    /// Roles, users and policies in the new configuration.
    public let roles: Int
    /// Users in the new configuration.
    public let users: Int
    /// Policies in the new configuration.
    public let policies: Int
}
