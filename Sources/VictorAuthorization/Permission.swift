import VictorDocuments

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
