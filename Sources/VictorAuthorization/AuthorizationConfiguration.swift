import VictorDocuments

/// Everything an ``Authorizer`` decides with: switches, roles, users and policies.
///
/// Read one from YAML or JSON with ``parse(_:file:)`` or ``load(contentsOf:)``, write one with
/// ``yaml()``, ``json()`` or ``save(to:)``. A configuration is checked whole by ``validate()``
/// before an authorizer uses it; an invalid one is never partly applied.
public struct AuthorizationConfiguration: Sendable, Hashable {
    /// When `false`, every check is allowed (and says so).
    public var enabled: Bool
    /// When `true` (the default), a request nothing allows is denied; when `false`, allowed.
    public var defaultDeny: Bool
    /// Roles, in definition order; names are unique.
    public var roles: [Role]
    /// Users, in definition order; ids are unique.
    public var users: [User]
    /// Policies, in definition order; names are unique.
    public var policies: [Policy]

    /// Creates a configuration.
    public init(
        enabled: Bool = true,
        defaultDeny: Bool = true,
        roles: [Role] = [],
        users: [User] = [],
        policies: [Policy] = []
    ) {
        self.enabled = enabled
        self.defaultDeny = defaultDeny
        self.roles = roles
        self.users = users
        self.policies = policies
    }

    /// Checks the configuration whole.
    ///
    /// Names are compared in NFC: two names equal after normalization are duplicates.
    /// - Throws: ``AuthorizationError/Code/invalidConfiguration`` listing every problem: empty,
    ///   duplicate or malformed names (control and other forbidden characters), malformed
    ///   patterns, undefined or cyclic roles, subjects naming no user or role (with a suggestion),
    ///   reserved attribute names, numbers that are not finite, operands of the wrong type, and
    ///   conditions that can never match (`eq` on a list attribute such as `user.roles`, a
    ///   numeric comparison of a user attribute that is not a number).
    public func validate() throws(AuthorizationError) {
        try validate(sourceMap: SourceMap(file: "<configuration>"))
    }

    func validate(sourceMap: SourceMap) throws(AuthorizationError) {
        var validator = Validator(sourceMap: sourceMap)
        validator.check(self)
        if !validator.issues.isEmpty {
            let count = validator.issues.count
            throw AuthorizationError(
                .invalidConfiguration,
                "\(sourceMap.file): \(count) problem\(count == 1 ? "" : "s") in the authorization configuration",
                issues: validator.issues
            )
        }
    }

    /// The role named `name`, comparing names in NFC.
    public func role(named name: String) -> Role? { roles.first { Self.sameName($0.name, name) } }
    /// The user with id `id`, comparing ids in NFC.
    public func user(withID id: String) -> User? { users.first { Self.sameName($0.id, id) } }
    /// The policy named `name`, comparing names in NFC.
    public func policy(named name: String) -> Policy? { policies.first { Self.sameName($0.name, name) } }

    /// Whether two names are the same name: equal scalar for scalar in NFC.
    static func sameName(_ a: String, _ b: String) -> Bool {
        ExactBytes.equal(ExactText.normalized(a), ExactText.normalized(b))
    }
}

/// Where each key of a parsed configuration was found, by key path.
struct SourceMap: Sendable {
    var file: String
    var marks: [String: (line: Int, column: Int)] = [:]

    /// The location of `path`, or of its nearest enclosing key that has one.
    func location(of path: String) -> (line: Int, column: Int) {
        var path = Substring(path)
        while !path.isEmpty {
            if let mark = marks[String(path)] { return mark }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = path[..<cut]
        }
        return (0, 0)
    }

    func issue(_ path: String, _ message: String) -> ConfigurationIssue {
        let (line, column) = location(of: path)
        return ConfigurationIssue(file: file, line: line, column: column, key: path, message: message)
    }
}
