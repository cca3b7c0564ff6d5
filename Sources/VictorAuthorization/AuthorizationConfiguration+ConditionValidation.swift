import VictorDocuments

/// Conditions that can never hold: operands of the wrong kind, `user.roles` and list attributes
/// compared as single values, numeric comparisons of attributes that are not numbers.
extension Validator {
    mutating func check(_ conditions: [Condition], at path: @autoclosure () -> String) {
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

    mutating func checkUserID(_ condition: Condition, at path: String) {
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

    mutating func checkUserRoles(_ condition: Condition, at path: String) {
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
    mutating func checkAttributeKinds(_ configuration: AuthorizationConfiguration) {
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
}
