import VictorDocuments

/// Collects every semantic problem of a configuration. Names are compared in NFC, by Unicode
/// scalars; issue paths keep the names as written, so that they find their source location.
struct Validator {
    let sourceMap: SourceMap
    var issues: [ConfigurationIssue] = []
    /// Role names (in NFC) and their indices, first definition winning.
    var roleIndex: [HashedKey: Int] = [:]
    /// User ids (in NFC).
    var userIDs: Set<HashedKey> = []
    /// Role names and user ids as written, for suggestions.
    var roleNames: [String] = []
    var userNames: [String] = []
    /// How many suggestions were computed; they stop after a bound, so a configuration with
    /// thousands of bad names still validates in linear time.
    var suggestions = 0

    init(sourceMap: SourceMap) { self.sourceMap = sourceMap }

    mutating func report(_ path: String, _ message: String) {
        issues.append(sourceMap.issue(path, message))
    }

    mutating func check(_ configuration: AuthorizationConfiguration) {
        collectNames(configuration)
        for (index, role) in configuration.roles.enumerated() { check(role, index: index) }
        for cycle in inheritanceCycles(configuration.roles) {
            report(
                "roles.\(cycle[0]).inherits",
                "role inheritance cycle: \(cycle.joined(separator: " → "))"
            )
        }
        for user in configuration.users { check(user) }
        var policyNames: [HashedKey: String] = [:]
        for (index, policy) in configuration.policies.enumerated() {
            let path = "policies[\(index)]"
            if policy.name.isEmpty {
                report("\(path).name", "a policy needs a name")
            } else if checkName(policy.name, at: "\(path).name", what: "a policy name") {
                duplicate(policy.name, in: &policyNames, at: "\(path).name", what: "policy")
            }
            check(policy, at: path)
        }
        checkAttributeKinds(configuration)
    }

    // MARK: Names

    mutating func collectNames(_ configuration: AuthorizationConfiguration) {
        var roleSpellings: [HashedKey: String] = [:]
        for (index, role) in configuration.roles.enumerated() {
            let path = "roles.\(role.name)"
            if role.name.isEmpty {
                report(path, "a role needs a name")
                continue
            }
            guard checkName(role.name, at: path, what: "a role name") else { continue }
            if duplicate(role.name, in: &roleSpellings, at: path, what: "role") {
                roleIndex[HashedKey(ExactText.normalized(role.name))] = index
                roleNames.append(role.name)
            }
        }
        var userSpellings: [HashedKey: String] = [:]
        for user in configuration.users {
            let path = "users.\(user.id)"
            if user.id.isEmpty {
                report(path, "a user needs an id")
                continue
            }
            guard checkName(user.id, at: path, what: "a user id") else { continue }
            if duplicate(user.id, in: &userSpellings, at: path, what: "user") {
                userIDs.insert(HashedKey(ExactText.normalized(user.id)))
                userNames.append(user.id)
            }
        }
    }

    /// Records `name` among `seen`; reports and returns `false` when an equal name (in NFC) is
    /// there already.
    @discardableResult
    mutating func duplicate(
        _ name: String,
        in seen: inout [HashedKey: String],
        at path: @autoclosure () -> String,
        what: String
    ) -> Bool {
        let key = HashedKey(ExactText.normalized(name))
        guard let first = seen[key] else {
            seen[key] = name
            return true
        }
        report(path(), "\(what) \(displayed(name)) is defined twice\(Self.spellings(first, name))")
        return false
    }

    /// Reports a name holding a control, invisible or other forbidden character (line breaks and
    /// tabs included; see `ExactText.firstForbiddenInName`); `false` then.
    @discardableResult
    mutating func checkName(_ name: String, at path: @autoclosure () -> String, what: String) -> Bool {
        guard let (offset, scalar) = ExactText.firstForbiddenInName(name) else { return true }
        report(
            path(),
            "\(what) may not hold the character \(ExactText.codePoint(scalar)) (at scalar \(offset + 1)): "
                + "\(displayed(name))"
        )
        return false
    }

    /// Reports free text (a description, a string value) holding a forbidden character.
    mutating func checkText(_ text: String, at path: @autoclosure () -> String) {
        guard let (_, scalar) = ExactText.firstForbidden(in: text) else { return }
        report(path(), "the text may not hold the character \(ExactText.codePoint(scalar))")
    }

    /// ` (spelled 'x' and 'y', one name in NFC)` when two names differ only in normalization.
    static func spellings(_ first: String, _ second: String) -> String {
        ExactBytes.equal(first, second)
            ? "" : " (spelled \(scalars(first)) and \(scalars(second)): one name once normalized to NFC)"
    }

    /// `text` with every scalar outside printable ASCII written `\u{XXXX}`, so that two
    /// spellings of one name look different.
    static func scalars(_ text: String) -> String {
        var result = "'"
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" && scalar != "'" {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return result + "'"
    }

    func isRole(_ name: String) -> Bool { roleIndex[HashedKey(ExactText.normalized(name))] != nil }
    func isUser(_ name: String) -> Bool { userIDs.contains(HashedKey(ExactText.normalized(name))) }

    /// Reports names listed twice (in NFC) in one list, such as a user's roles.
    mutating func checkListed(_ names: [String], at path: @autoclosure () -> String, what: String) {
        if names.count < 2 { return }
        var seen: [HashedKey: String] = [:]
        for (index, name) in names.enumerated() {
            let key = HashedKey(ExactText.normalized(name))
            if let first = seen[key] {
                report(
                    "\(path())[\(index)]",
                    "\(what) \(displayed(name)) is listed twice\(Self.spellings(first, name))"
                )
            } else {
                seen[key] = name
            }
        }
    }

    // MARK: Roles, users, policies

    mutating func check(_ role: Role, index: Int) {
        let path = "roles.\(role.name)"
        checkText(role.description, at: "\(path).description")
        for (index, permission) in role.permissions.enumerated() {
            check(permission, at: "\(path).permissions[\(index)]")
        }
        for (index, parent) in role.inherits.enumerated() where !isRole(parent) {
            report(
                "\(path).inherits[\(index)]",
                "role \(displayed(role.name)) inherits undefined role \(displayed(parent))\(roleHint(parent))"
            )
        }
        checkListed(role.inherits, at: "\(path).inherits", what: "role")
    }

    mutating func check(_ user: User) {
        let path = "users.\(user.id)"
        checkText(user.username, at: "\(path).username")
        for (index, role) in user.roles.enumerated() where !isRole(role) {
            report(
                "\(path).roles[\(index)]",
                "user \(displayed(user.id)) has undefined role \(displayed(role))\(roleHint(role))"
            )
        }
        checkListed(user.roles, at: "\(path).roles", what: "role")
        for (name, value) in user.attributes.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            let attributePath = "\(path).attributes.\(name)"
            if name == "id" || name == "roles" {
                report(attributePath, "'\(name)' is reserved: user.\(name) reads the user's \(name)")
            }
            if name.isEmpty {
                report("\(path).attributes", "an attribute needs a name")
            } else {
                checkName(name, at: attributePath, what: "an attribute name")
            }
            if case .list(let elements) = value, !elements.allSatisfy(\.isScalar) {
                report(attributePath, "a list attribute holds scalars only")
            }
            check(value, at: attributePath)
        }
        for (index, permission) in user.permissions.enumerated() {
            check(permission, at: "\(path).permissions[\(index)]")
        }
    }

    mutating func check(_ policy: Policy, at path: String) {
        checkText(policy.description, at: "\(path).description")
        checkPattern(policy.resource, at: "\(path).resource")
        checkPattern(policy.action, at: "\(path).action")
        for (index, subject) in policy.subjects.enumerated() {
            let subjectPath = "\(path).subjects[\(index)]"
            if subject.isEmpty {
                report(subjectPath, "a subject is a user id or role:NAME, not empty")
            } else if ExactText.hasPrefix(subject, "role:") {
                let role = String(decoding: subject.utf8.dropFirst(5), as: UTF8.self)
                if !isRole(role) {
                    report(
                        subjectPath,
                        "policy \(displayed(policy.name)) names undefined role \(displayed(role))"
                            + subjectHint(subject)
                    )
                }
            } else if !isUser(subject) {
                report(
                    subjectPath,
                    "policy \(displayed(policy.name)) names \(displayed(subject)), which is no user (a role is "
                        + "named role:NAME)\(subjectHint(subject))"
                )
            }
        }
        checkListed(policy.subjects, at: "\(path).subjects", what: "subject")
        check(policy.conditions, at: "\(path).conditions")
    }

    mutating func check(_ permission: Permission, at path: @autoclosure () -> String) {
        checkPattern(permission.resource, at: "\(path()).resource")
        checkPattern(permission.action, at: "\(path()).action")
        check(permission.constraints, at: "\(path()).constraints")
    }

    mutating func checkPattern(_ pattern: String, at path: @autoclosure () -> String) {
        if pattern.isEmpty {
            report(path(), "a pattern is a name, '*', or a prefix ending in '*'; it cannot be empty")
        } else if checkName(pattern, at: path(), what: "a pattern") {
            if pattern.unicodeScalars.dropLast().contains("*") {
                report(path(), "\(displayed(pattern)): '*' may only end a pattern")
            }
        }
    }

    /// Numbers must be finite; strings must hold no forbidden character.
    mutating func check(_ value: AttributeValue, at path: @autoclosure () -> String) {
        switch value {
        case .number(let number) where !number.isFinite:
            report(path(), "\(number) is not a finite number")
        case .string(let text):
            checkText(text, at: path())
        case .list(let elements):
            for (index, element) in elements.enumerated() { check(element, at: "\(path())[\(index)]") }
        default:
            break
        }
    }

    // MARK: Cycles

    /// Each inheritance cycle once, as a path whose first name repeats at the end: a depth-first
    /// walk with an explicit stack, so a chain of any depth costs no call stack.
    /// - Complexity: O(roles + inheritance edges).
    func inheritanceCycles(_ roles: [Role]) -> [[String]] {
        var parents = [[Int]](repeating: [], count: roles.count)
        for (index, role) in roles.enumerated() {
            guard let owner = roleIndex[HashedKey(ExactText.normalized(role.name))], owner == index else { continue }
            parents[index] = role.inherits.compactMap { roleIndex[HashedKey(ExactText.normalized($0))] }
        }
        var state = [UInt8](repeating: 0, count: roles.count)  // 1 visiting, 2 done
        var cycles: [[String]] = []
        var path: [Int] = []
        var positions: [Int: Int] = [:]  // role → its place in `path`
        var frames: [(role: Int, next: Int)] = []
        for start in roles.indices where state[start] == 0 {
            frames.append((start, 0))
            state[start] = 1
            positions[start] = path.count
            path.append(start)
            while let frame = frames.last {
                let edges = parents[frame.role]
                guard frame.next < edges.count else {
                    frames.removeLast()
                    state[frame.role] = 2
                    positions[frame.role] = nil
                    path.removeLast()
                    continue
                }
                frames[frames.count - 1].next += 1
                let parent = edges[frame.next]
                switch state[parent] {
                case 1:
                    let from = positions[parent]!
                    cycles.append((path[from...] + [parent]).map { roles[$0].name })
                case 2:
                    break
                default:
                    state[parent] = 1
                    positions[parent] = path.count
                    path.append(parent)
                    frames.append((parent, 0))
                }
            }
        }
        return cycles
    }
}
