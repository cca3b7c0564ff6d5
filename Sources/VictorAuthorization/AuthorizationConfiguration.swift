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
    /// - Throws: ``AuthorizationError/Code/invalidConfiguration`` listing every problem: empty or
    ///   duplicate names, malformed patterns, undefined or cyclic roles, reserved attribute
    ///   names, operands of the wrong type, user attributes a condition cannot compare.
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

    /// The role named `name`.
    public func role(named name: String) -> Role? { roles.first { $0.name == name } }
    /// The user with id `id`.
    public func user(withID id: String) -> User? { users.first { $0.id == id } }
    /// The policy named `name`.
    public func policy(named name: String) -> Policy? { policies.first { $0.name == name } }
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

/// Collects every semantic problem of a configuration.
private struct Validator {
    let sourceMap: SourceMap
    var issues: [ConfigurationIssue] = []

    init(sourceMap: SourceMap) { self.sourceMap = sourceMap }

    mutating func report(_ path: String, _ message: String) {
        issues.append(sourceMap.issue(path, message))
    }

    mutating func check(_ configuration: AuthorizationConfiguration) {
        var roleNames = Set<String>()
        for role in configuration.roles {
            let path = "roles.\(role.name)"
            if role.name.isEmpty { report(path, "a role needs a name") }
            if !roleNames.insert(role.name).inserted { report(path, "role '\(role.name)' is defined twice") }
            for (index, permission) in role.permissions.enumerated() {
                check(permission, at: "\(path).permissions[\(index)]")
            }
        }
        for role in configuration.roles {
            for (index, parent) in role.inherits.enumerated() where !roleNames.contains(parent) {
                report(
                    "roles.\(role.name).inherits[\(index)]",
                    "role '\(role.name)' inherits undefined role '\(parent)'"
                )
            }
        }
        for cycle in inheritanceCycles(configuration.roles) {
            report(
                "roles.\(cycle[0]).inherits",
                "role inheritance cycle: \(cycle.joined(separator: " → "))"
            )
        }

        var userIDs = Set<String>()
        for user in configuration.users {
            let path = "users.\(user.id)"
            if user.id.isEmpty { report(path, "a user needs an id") }
            if !userIDs.insert(user.id).inserted { report(path, "user '\(user.id)' is defined twice") }
            for (index, role) in user.roles.enumerated() where !roleNames.contains(role) {
                report("\(path).roles[\(index)]", "user '\(user.id)' has undefined role '\(role)'")
            }
            for (name, value) in user.attributes.sorted(by: { $0.key < $1.key }) {
                if name == "id" || name == "roles" {
                    report("\(path).attributes.\(name)", "'\(name)' is reserved: user.\(name) reads the user's \(name)")
                }
                if name.isEmpty { report("\(path).attributes", "an attribute needs a name") }
                if case .list(let elements) = value, !elements.allSatisfy(\.isScalar) {
                    report("\(path).attributes.\(name)", "a list attribute holds scalars only")
                }
            }
            for (index, permission) in user.permissions.enumerated() {
                check(permission, at: "\(path).permissions[\(index)]")
            }
        }

        var policyNames = Set<String>()
        for (index, policy) in configuration.policies.enumerated() {
            let path = "policies[\(index)]"
            if policy.name.isEmpty { report("\(path).name", "a policy needs a name") }
            if !policyNames.insert(policy.name).inserted {
                report("\(path).name", "policy '\(policy.name)' is defined twice")
            }
            checkPattern(policy.resource, at: "\(path).resource")
            checkPattern(policy.action, at: "\(path).action")
            for (subjectIndex, subject) in policy.subjects.enumerated() {
                let subjectPath = "\(path).subjects[\(subjectIndex)]"
                if subject.hasPrefix("role:") {
                    let role = String(subject.dropFirst(5))
                    if !roleNames.contains(role) {
                        report(subjectPath, "policy '\(policy.name)' names undefined role '\(role)'")
                    }
                } else if subject.isEmpty {
                    report(subjectPath, "a subject is a user id or role:NAME, not empty")
                }
            }
            check(policy.conditions, at: "\(path).conditions")
        }
        checkAttributeTypes(configuration)
    }

    mutating func check(_ permission: Permission, at path: String) {
        checkPattern(permission.resource, at: "\(path).resource")
        checkPattern(permission.action, at: "\(path).action")
        check(permission.constraints, at: "\(path).constraints")
    }

    mutating func checkPattern(_ pattern: String, at path: String) {
        if pattern.isEmpty {
            report(path, "a pattern is a name, '*', or a prefix ending in '*'; it cannot be empty")
        } else if pattern.dropLast().contains("*") {
            report(path, "'\(pattern)': '*' may only end a pattern")
        }
    }

    mutating func check(_ conditions: [Condition], at path: String) {
        var seen = Set<String>()
        for condition in conditions {
            let conditionPath = "\(path).\(condition.key).\(condition.operator)"
            if !seen.insert(conditionPath).inserted {
                report(conditionPath, "'\(condition.key)' has '\(condition.operator)' twice")
            }
            switch condition.key {
            case .user(let name), .context(let name):
                if name.isEmpty { report(conditionPath, "a condition key names an attribute") }
            }
            if let problem = condition.operator.operandProblem(condition.value) {
                report(conditionPath, "type mismatch: \(problem)")
                continue
            }
            if case .user(let name) = condition.key, name == "id" || name == "roles" {
                let comparable: Bool
                switch condition.operator {
                case .gt, .gte, .lt, .lte: comparable = false
                case .contains: comparable = name == "roles" || condition.value.kindName == "string"
                default: comparable = true
                }
                if !comparable {
                    report(conditionPath, "type mismatch: user.\(name) cannot be compared with '\(condition.operator)'")
                }
            }
        }
    }

    /// Users whose attribute a numeric comparison reads must hold a number there.
    mutating func checkAttributeTypes(_ configuration: AuthorizationConfiguration) {
        var numeric = Set<String>()
        func collect(_ conditions: [Condition]) {
            for condition in conditions {
                guard case .user(let name) = condition.key else { continue }
                switch condition.operator {
                case .gt, .gte, .lt, .lte: numeric.insert(name)
                default: break
                }
            }
        }
        let permissions = configuration.roles.flatMap(\.permissions) + configuration.users.flatMap(\.permissions)
        for permission in permissions { collect(permission.constraints) }
        for policy in configuration.policies { collect(policy.conditions) }
        guard !numeric.isEmpty else { return }
        for user in configuration.users {
            for name in numeric.sorted() {
                if let value = user.attributes[name], value.numeric == nil {
                    report(
                        "users.\(user.id).attributes.\(name)",
                        "type mismatch: conditions compare user.\(name) with numbers, but it is a \(value.kindName)"
                    )
                }
            }
        }
    }

    /// Each inheritance cycle once, as a path whose first name repeats at the end.
    func inheritanceCycles(_ roles: [Role]) -> [[String]] {
        var parents: [String: [String]] = [:]
        for role in roles { parents[role.name, default: []] += role.inherits }
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        var cycles: [[String]] = []
        func visit(_ name: String) {
            state[name] = 1
            stack.append(name)
            for parent in parents[name] ?? [] {
                switch state[parent] {
                case 1:
                    let start = stack.lastIndex(of: parent)!
                    cycles.append(Array(stack[start...]) + [parent])
                case 2:
                    break
                default:
                    if parents[parent] != nil { visit(parent) }
                }
            }
            stack.removeLast()
            state[name] = 2
        }
        for role in roles where state[role.name] == nil { visit(role.name) }
        return cycles
    }
}
