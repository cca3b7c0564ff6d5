import VictorDocuments

/// Collects every semantic problem of a configuration. Names are compared in NFC, by Unicode
/// scalars; issue paths keep the names as written, so that they find their source location.
struct Validator {
    let sourceMap: SourceMap
    var issues: [ConfigurationIssue] = []
    /// Role names (in NFC) and their indices, first definition winning.
    private var roleIndex: [HashedKey: Int] = [:]
    /// User ids (in NFC).
    private var userIDs: Set<HashedKey> = []
    /// Role names and user ids as written, for suggestions.
    private var roleNames: [String] = []
    private var userNames: [String] = []
    /// How many suggestions were computed; they stop after a bound, so a configuration with
    /// thousands of bad names still validates in linear time.
    private var suggestions = 0

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

    private mutating func collectNames(_ configuration: AuthorizationConfiguration) {
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
    private mutating func duplicate(
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

    /// Reports a name holding a control or other forbidden character (line breaks and tabs
    /// included); `false` then.
    @discardableResult
    private mutating func checkName(_ name: String, at path: @autoclosure () -> String, what: String) -> Bool {
        guard let (offset, scalar) = ExactText.firstForbidden(in: name, allowLineBreaks: false) else { return true }
        report(
            path(),
            "\(what) may not hold the character \(ExactText.codePoint(scalar)) (at scalar \(offset + 1)): "
                + "\(displayed(name))"
        )
        return false
    }

    /// Reports free text (a description, a string value) holding a forbidden character.
    private mutating func checkText(_ text: String, at path: @autoclosure () -> String) {
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

    private func isRole(_ name: String) -> Bool { roleIndex[HashedKey(ExactText.normalized(name))] != nil }
    private func isUser(_ name: String) -> Bool { userIDs.contains(HashedKey(ExactText.normalized(name))) }

    /// Reports names listed twice (in NFC) in one list, such as a user's roles.
    private mutating func checkListed(_ names: [String], at path: @autoclosure () -> String, what: String) {
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

    private mutating func check(_ role: Role, index: Int) {
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

    private mutating func check(_ user: User) {
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

    private mutating func check(_ policy: Policy, at path: String) {
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

    private mutating func check(_ permission: Permission, at path: @autoclosure () -> String) {
        checkPattern(permission.resource, at: "\(path()).resource")
        checkPattern(permission.action, at: "\(path()).action")
        check(permission.constraints, at: "\(path()).constraints")
    }

    private mutating func checkPattern(_ pattern: String, at path: @autoclosure () -> String) {
        if pattern.isEmpty {
            report(path(), "a pattern is a name, '*', or a prefix ending in '*'; it cannot be empty")
        } else if checkName(pattern, at: path(), what: "a pattern") {
            if pattern.unicodeScalars.dropLast().contains("*") {
                report(path(), "\(displayed(pattern)): '*' may only end a pattern")
            }
        }
    }

    /// Numbers must be finite; strings must hold no forbidden character.
    private mutating func check(_ value: AttributeValue, at path: @autoclosure () -> String) {
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

    // MARK: Conditions

    private mutating func check(_ conditions: [Condition], at path: @autoclosure () -> String) {
        var seen = Set<HashedKey>()
        for condition in conditions {
            let conditionPath = "\(path()).\(condition.key).\(condition.operator)"
            let normalized = condition.key.normalized()
            if !seen.insert(HashedKey("\(normalized) \(condition.operator)")).inserted {
                report(conditionPath, "'\(displayed(condition.key.description))' has '\(condition.operator)' twice")
            }
            switch condition.key {
            case .user(let name), .context(let name):
                if name.isEmpty {
                    report(conditionPath, "a condition key names an attribute")
                } else {
                    checkName(name, at: conditionPath, what: "an attribute name")
                }
            }
            check(condition.value, at: conditionPath)
            if let problem = condition.operator.operandProblem(condition.value) {
                report(conditionPath, "type mismatch: \(problem)")
                continue
            }
            if condition.operator == .in, case .list(let elements) = condition.value, elements.isEmpty {
                report(conditionPath, "'in' an empty list can never hold")
            }
            switch normalized {
            case .user("id"): checkUserID(condition, at: conditionPath)
            case .user("roles"): checkUserRoles(condition, at: conditionPath)
            default: break
            }
        }
    }

    private mutating func checkUserID(_ condition: Condition, at path: String) {
        let strings: Bool
        switch (condition.operator, condition.value) {
        case (.exists, _): strings = true
        case (.gt, _), (.gte, _), (.lt, _), (.lte, _): strings = false
        case (.in, .list(let elements)), (.notIn, .list(let elements)):
            strings = elements.allSatisfy { if case .string = $0 { true } else { false } }
        case (_, .string): strings = true
        default: strings = false
        }
        if !strings {
            report(
                path,
                "type mismatch: user.id is a string and cannot be compared with '\(condition.operator)' "
                    + "\(condition.value)"
            )
        }
    }

    private mutating func checkUserRoles(_ condition: Condition, at path: String) {
        switch (condition.operator, condition.value) {
        case (.exists, _):
            break
        case (.contains, .string(let role)):
            if !isRole(role) {
                report(path, "user.roles can never contain \(displayed(role)): no role has that name\(roleHint(role))")
            }
        case (.contains, let value):
            report(path, "type mismatch: user.roles holds role names, never the \(value.kindName) \(value)")
        default:
            report(
                path,
                "type mismatch: user.roles is a list of role names, and '\(condition.operator)' compares a single "
                    + "value, so it can never hold; use contains, as in {contains: NAME}"
            )
        }
    }

    /// Conditions on user attributes must fit the values users hold: a list attribute takes
    /// `contains` (or `exists`), a numeric comparison needs a number, `contains` a list or a
    /// string.
    private mutating func checkAttributeKinds(_ configuration: AuthorizationConfiguration) {
        var conditions: [HashedKey: [(path: String, condition: Condition)]] = [:]
        func collect(_ list: [Condition], _ path: String) {
            for condition in list {
                guard case .user(let name) = condition.key.normalized(), name != "id", name != "roles" else {
                    continue
                }
                conditions[HashedKey(name), default: []].append(
                    ("\(path).\(condition.key).\(condition.operator)", condition)
                )
            }
        }
        for role in configuration.roles {
            for (index, permission) in role.permissions.enumerated() {
                collect(permission.constraints, "roles.\(role.name).permissions[\(index)].constraints")
            }
        }
        for user in configuration.users {
            for (index, permission) in user.permissions.enumerated() {
                collect(permission.constraints, "users.\(user.id).permissions[\(index)].constraints")
            }
        }
        for (index, policy) in configuration.policies.enumerated() {
            collect(policy.conditions, "policies[\(index)].conditions")
        }
        guard !conditions.isEmpty else { return }
        var reported = Set<String>()
        for user in configuration.users {
            for (rawName, value) in user.attributes.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                let name = ExactText.normalized(rawName)
                guard let readers = conditions[HashedKey(name)] else { continue }
                var numericReported = false
                for (path, condition) in readers {
                    switch (condition.operator, value) {
                    case (.exists, _):
                        continue
                    case (.contains, .list), (.contains, .string):
                        continue
                    case (.contains, _):
                        if reported.insert(path).inserted {
                            report(
                                path,
                                "type mismatch: 'contains' reads a list or a string, but user \(displayed(user.id)) "
                                    + "holds the \(value.kindName) \(value) as user.\(name)"
                            )
                        }
                    case (_, .list):
                        if reported.insert(path).inserted {
                            report(
                                path,
                                "type mismatch: user.\(name) is a list (user \(displayed(user.id)) holds \(value)), and "
                                    + "'\(condition.operator)' compares a single value, so it can never hold; use "
                                    + "contains"
                            )
                        }
                    case (.gt, _), (.gte, _), (.lt, _), (.lte, _):
                        if !value.isNumeric, !numericReported {
                            numericReported = true
                            report(
                                "users.\(user.id).attributes.\(rawName)",
                                "type mismatch: conditions compare user.\(name) with numbers, but it is a "
                                    + value.kindName
                            )
                        }
                    default:
                        continue
                    }
                }
            }
        }
    }

    // MARK: Suggestions

    private mutating func roleHint(_ name: String) -> String {
        guard suggestions < Self.suggestionBound else { return "" }
        suggestions += 1
        let trimmed = Self.trimmed(name)
        if !trimmed.isEmpty, isRole(trimmed) { return "; did you mean \(displayed(trimmed))?" }
        if let match = Self.closest(to: trimmed, among: roleNames) { return "; did you mean \(displayed(match))?" }
        return ""
    }

    /// A suggestion for a subject naming nobody: the name without surrounding white space,
    /// `role:` spelled right, a role named without `role:`, or the closest user id or role.
    private mutating func subjectHint(_ subject: String) -> String {
        guard suggestions < Self.suggestionBound else { return "" }
        suggestions += 1
        let trimmed = Self.trimmed(subject)
        var candidates: [String] = []
        let scalars = Array(trimmed.unicodeScalars)
        let prefix = String(String.UnicodeScalarView(scalars.prefix(5))).lowercased()
        if prefix == "role:" || prefix == "role " {
            let role = Self.trimmed(String(String.UnicodeScalarView(scalars.dropFirst(5))))
            if isRole(role) {
                candidates.append("role:" + role)
            } else if let match = Self.closest(to: role, among: roleNames) {
                candidates.append("role:" + match)
            }
        } else {
            if isUser(trimmed) { candidates.append(trimmed) }
            if isRole(trimmed) { candidates.append("role:" + trimmed) }
            if candidates.isEmpty {
                if let match = Self.closest(to: trimmed, among: userNames) { candidates.append(match) }
                if let match = Self.closest(to: trimmed, among: roleNames) { candidates.append("role:" + match) }
            }
        }
        guard !candidates.isEmpty else { return "" }
        return "; did you mean " + candidates.map(displayed).joined(separator: " or ") + "?"
    }

    /// Suggestions computed per validation, at most.
    static let suggestionBound = 64

    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// The name among `names` closest to `name`: equal ignoring case, or within two edits
    /// (for names of four scalars or more). Scans at most 10,000 names.
    static func closest(to name: String, among names: [String]) -> String? {
        let wanted = ExactText.normalized(name)
        let lowered = wanted.lowercased()
        let target = Array(wanted.unicodeScalars)
        var best: (name: String, distance: Int)?
        for candidate in names.prefix(10_000) {
            let normalized = ExactText.normalized(candidate)
            if ExactBytes.equal(normalized.lowercased(), lowered) { return candidate }
            guard target.count >= 4 else { continue }
            let other = Array(normalized.unicodeScalars)
            guard abs(other.count - target.count) <= 2,
                let distance = editDistance(target, other, limit: 2),
                distance < (best?.distance ?? 3)
            else { continue }
            best = (candidate, distance)
        }
        return best?.name
    }

    /// The Levenshtein distance of `a` and `b` when at most `limit`, else `nil`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int? {
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(1, a.count) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        let distance = a.isEmpty ? b.count : previous[b.count]
        return distance <= limit ? distance : nil
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
