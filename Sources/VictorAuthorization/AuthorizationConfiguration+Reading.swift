import Foundation
import Yams

extension AuthorizationConfiguration {
    /// Parses a configuration from YAML or JSON text (JSON is read as the YAML it also is).
    ///
    /// Strict: unknown keys, wrong types (a string where a list belongs), unknown effects or
    /// operators, undefined role names and every other ``validate()`` problem are reported, each
    /// as `FILE:LINE:COLUMN` with the key, all in one error. Nothing is returned unless the whole
    /// configuration is valid.
    /// - Parameters:
    ///   - text: the YAML or JSON document.
    ///   - file: the name issues are reported against.
    /// - Throws: ``AuthorizationError/Code/invalidConfiguration``.
    public static func parse(_ text: String, file: String = "<configuration>") throws(AuthorizationError) -> Self {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw AuthorizationError(
                .invalidConfiguration,
                "\(file): not valid YAML or JSON",
                issues: [syntaxIssue(error, file: file)]
            )
        }
        var reader = ConfigurationReader(file: file)
        let configuration = root.map { reader.configuration($0) } ?? AuthorizationConfiguration()
        if reader.issues.isEmpty {
            try configuration.validate(sourceMap: reader.sourceMap)
            return configuration
        }
        // Report the semantic problems too, except those about a key that is already reported
        // as malformed (its value was replaced by a default while reading).
        var issues = reader.issues
        do {
            try configuration.validate(sourceMap: reader.sourceMap)
        } catch {
            let malformed = reader.issues.map(\.key)
            issues += error.issues.filter { issue in
                !malformed.contains {
                    issue.key == $0 || issue.key.hasPrefix($0 + ".") || issue.key.hasPrefix($0 + "[")
                }
            }
        }
        issues = issues.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }.map(\.element)
        let count = issues.count
        throw AuthorizationError(
            .invalidConfiguration,
            "\(file): \(count) problem\(count == 1 ? "" : "s") in the authorization configuration",
            issues: issues
        )
    }

    /// Reads and parses the configuration file at `path` (YAML or JSON).
    /// - Throws: ``AuthorizationError/Code/unreadableFile`` or
    ///   ``AuthorizationError/Code/invalidConfiguration``.
    public static func load(contentsOf path: String) throws(AuthorizationError) -> Self {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AuthorizationError(.unreadableFile, "cannot read \(path): \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    static func syntaxIssue(_ error: any Error, file: String) -> ConfigurationIssue {
        func issue(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> ConfigurationIssue {
            let detail = context.map { "\(problem) (\($0.text))" } ?? problem
            return ConfigurationIssue(file: file, line: mark.line, column: mark.column, key: "", message: detail)
        }
        if let error = error as? YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _),
                .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                return issue(mark, problem, context)
            case .duplicatedKeysInMapping(let duplicates, let context):
                let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
                return ConfigurationIssue(
                    file: file,
                    line: context.mark.line,
                    column: context.mark.column,
                    key: "",
                    message: "duplicate key \(names) in a mapping"
                )
            default:
                break
            }
        }
        return ConfigurationIssue(file: file, line: 1, column: 1, key: "", message: "\(error)")
    }
}

/// Decodes a composed YAML node tree into a configuration, collecting every structural problem
/// with its location and recording where each key was found for the semantic checks.
struct ConfigurationReader {
    var issues: [ConfigurationIssue] = []
    var sourceMap: SourceMap

    init(file: String) { sourceMap = SourceMap(file: file) }

    // MARK: Documents

    mutating func configuration(_ root: Node) -> AuthorizationConfiguration {
        var configuration = AuthorizationConfiguration()
        guard
            let entries = mapping(
                root,
                "",
                allowed: ["enabled", "default_deny", "roles", "users", "policies"]
            )
        else { return configuration }
        for (key, value) in entries {
            switch key {
            case "enabled": configuration.enabled = bool(value, key) ?? true
            case "default_deny": configuration.defaultDeny = bool(value, key) ?? true
            case "roles":
                for (name, roleNode) in mapping(value, key, allowed: nil) ?? [] {
                    configuration.roles.append(role(name, roleNode, "roles.\(name)"))
                }
            case "users":
                for (id, userNode) in mapping(value, key, allowed: nil) ?? [] {
                    configuration.users.append(user(id, userNode, "users.\(id)"))
                }
            default:
                for (index, policyNode) in (sequence(value, key) ?? []).enumerated() {
                    // Kept even when malformed, so that policy indices match the document's.
                    configuration.policies.append(
                        policy(policyNode, "policies[\(index)]") ?? Policy("", effect: .deny, resource: "", action: "")
                    )
                }
            }
        }
        return configuration
    }

    mutating func role(_ name: String, _ node: Node, _ path: String) -> Role {
        var role = Role(name)
        for (key, value) in mapping(node, path, allowed: ["description", "permissions", "inherits"]) ?? [] {
            let keyPath = path + "." + key
            switch key {
            case "description": role.description = string(value, keyPath) ?? ""
            case "permissions": role.permissions = permissions(value, keyPath)
            default: role.inherits = strings(value, keyPath)
            }
        }
        return role
    }

    mutating func user(_ id: String, _ node: Node, _ path: String) -> User {
        var user = User(id)
        let allowed: Set<String> = ["username", "roles", "attributes", "enabled", "permissions"]
        for (key, value) in mapping(node, path, allowed: allowed) ?? [] {
            let keyPath = path + "." + key
            switch key {
            case "username": user.username = string(value, keyPath) ?? id
            case "roles": user.roles = strings(value, keyPath)
            case "enabled": user.enabled = bool(value, keyPath) ?? false
            case "permissions": user.permissions = permissions(value, keyPath)
            default:
                for (name, attributeNode) in mapping(value, keyPath, allowed: nil) ?? [] {
                    if let attribute = attributeValue(attributeNode, keyPath + "." + name) {
                        user.attributes[name] = attribute
                    }
                }
            }
        }
        return user
    }

    mutating func policy(_ node: Node, _ path: String) -> Policy? {
        let allowed: Set<String> = [
            "name", "effect", "resource", "action", "subjects", "conditions", "priority", "description",
        ]
        guard let entries = mapping(node, path, allowed: allowed) else { return nil }
        var policy = Policy("", effect: .deny, resource: "", action: "")
        var seen = Set<String>()
        for (key, value) in entries {
            let keyPath = path + "." + key
            seen.insert(key)
            switch key {
            case "name": policy.name = string(value, keyPath) ?? ""
            case "effect":
                guard let text = string(value, keyPath) else { continue }
                if let effect = PolicyEffect(rawValue: text) {
                    policy.effect = effect
                } else {
                    fail(value, keyPath, "unknown effect '\(text)'; expected allow or deny")
                }
            case "resource": policy.resource = string(value, keyPath) ?? ""
            case "action": policy.action = string(value, keyPath) ?? ""
            case "subjects":
                policy.subjects = strings(value, keyPath)
                if case .sequence(let items) = value, items.isEmpty {
                    fail(value, keyPath, "an empty subject list would apply to everyone; omit subjects for that")
                }
            case "conditions": policy.conditions = conditions(value, keyPath)
            case "priority": policy.priority = int(value, keyPath) ?? 0
            default: policy.description = string(value, keyPath) ?? ""
            }
        }
        for required in ["name", "effect", "resource", "action"] where !seen.contains(required) {
            fail(node, path, "a policy needs '\(required)'")
        }
        return policy
    }

    mutating func permissions(_ node: Node, _ path: String) -> [Permission] {
        var result: [Permission] = []
        for (index, item) in (sequence(node, path) ?? []).enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let entries = mapping(item, itemPath, allowed: ["resource", "action", "constraints"]) else {
                continue
            }
            var permission = Permission(resource: "", action: "")
            var seen = Set<String>()
            for (key, value) in entries {
                seen.insert(key)
                let keyPath = itemPath + "." + key
                switch key {
                case "resource": permission.resource = string(value, keyPath) ?? ""
                case "action": permission.action = string(value, keyPath) ?? ""
                default: permission.constraints = conditions(value, keyPath)
                }
            }
            for required in ["resource", "action"] where !seen.contains(required) {
                fail(item, itemPath, "a permission needs '\(required)'")
            }
            result.append(permission)
        }
        return result
    }

    mutating func conditions(_ node: Node, _ path: String) -> [Condition] {
        var result: [Condition] = []
        for (name, value) in mapping(node, path, allowed: nil) ?? [] {
            let keyPath = path + "." + name
            guard let key = AttributeKey(parsing: name) else {
                fail(nil, keyPath, "unknown condition key '\(name)'; expected user.NAME or context.NAME")
                continue
            }
            if case .mapping = value {
                let operators = mapping(value, keyPath, allowed: nil) ?? []
                if operators.isEmpty { fail(value, keyPath, "a condition needs at least one operator") }
                for (operatorName, operand) in operators {
                    let operatorPath = keyPath + "." + operatorName
                    guard let op = ConditionOperator(rawValue: operatorName) else {
                        let known = ConditionOperator.allCases.map(\.rawValue).joined(separator: " ")
                        fail(nil, operatorPath, "unknown operator '\(operatorName)'; expected one of \(known)")
                        continue
                    }
                    if let operand = attributeValue(operand, operatorPath) {
                        result.append(Condition(key, op, operand))
                    }
                }
            } else {
                sourceMap.marks[keyPath + ".eq"] = sourceMap.marks[keyPath]
                if let operand = attributeValue(value, keyPath) { result.append(Condition(key, .eq, operand)) }
            }
        }
        return result
    }

    // MARK: Nodes

    mutating func fail(_ node: Node?, _ path: String, _ message: String) {
        var location = sourceMap.location(of: path)
        if let mark = node?.mark { location = (mark.line, mark.column) }
        issues.append(
            ConfigurationIssue(
                file: sourceMap.file,
                line: location.line,
                column: location.column,
                key: path,
                message: message
            )
        )
    }

    /// The entries of a mapping in document order, each key's location recorded. Reports
    /// duplicate keys, non-scalar keys and (when `allowed` is set) unknown keys. A null value
    /// reads as an empty mapping.
    mutating func mapping(_ node: Node, _ path: String, allowed: Set<String>?) -> [(String, Node)]? {
        if isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            fail(node, path, "expected a mapping, found \(describe(node))")
            return nil
        }
        var entries: [(String, Node)] = []
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                fail(keyNode, path, "a key must be a plain name")
                continue
            }
            let key = scalar.string
            let keyPath = path.isEmpty ? key : path + "." + key
            if let mark = keyNode.mark { sourceMap.marks[keyPath] = (mark.line, mark.column) }
            if let allowed, !allowed.contains(key) {
                let expected = allowed.sorted().joined(separator: ", ")
                fail(keyNode, keyPath, "unknown key '\(key)'; expected one of \(expected)")
                continue
            }
            if !seen.insert(key).inserted {
                fail(keyNode, keyPath, "duplicate key '\(key)'")
                continue
            }
            entries.append((key, value))
        }
        return entries
    }

    /// The items of a sequence, each item's location recorded; a null value reads as empty.
    mutating func sequence(_ node: Node, _ path: String) -> [Node]? {
        if isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            fail(node, path, "expected a list, found \(describe(node))")
            return nil
        }
        let items = Array(sequence)
        for (index, item) in items.enumerated() {
            if let mark = item.mark { sourceMap.marks["\(path)[\(index)]"] = (mark.line, mark.column) }
        }
        return items
    }

    mutating func strings(_ node: Node, _ path: String) -> [String] {
        (sequence(node, path) ?? []).enumerated().compactMap { index, item in string(item, "\(path)[\(index)]") }
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        if case .scalar = node, case .string(let text) = scalarValue(node) { return text }
        fail(node, path, "expected a string, found \(describe(node))")
        return nil
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        if case .scalar = node, case .boolean(let value) = scalarValue(node) { return value }
        fail(node, path, "expected true or false, found \(describe(node))")
        return nil
    }

    mutating func int(_ node: Node, _ path: String) -> Int? {
        if case .scalar = node, case .integer(let value) = scalarValue(node) { return value }
        fail(node, path, "expected an integer, found \(describe(node))")
        return nil
    }

    mutating func attributeValue(_ node: Node, _ path: String) -> AttributeValue? {
        switch node {
        case .scalar:
            if let value = scalarValue(node) { return value }
            fail(node, path, "expected a value, found null")
            return nil
        case .sequence(let sequence):
            var values: [AttributeValue] = []
            for (index, item) in sequence.enumerated() {
                guard case .scalar = item, let value = scalarValue(item) else {
                    fail(item, "\(path)[\(index)]", "a list holds strings, numbers or booleans, not \(describe(item))")
                    return nil
                }
                values.append(value)
            }
            return .list(values)
        default:
            fail(node, path, "expected a string, number, boolean or list, found \(describe(node))")
            return nil
        }
    }

    /// A scalar's value under YAML 1.2 core rules: quoted scalars are strings; plain ones are
    /// booleans (`true`, `false`), integers, numbers, null (`null`, `~`, empty) or strings. `nil`
    /// for null and for non-scalars. (`yes`, `on` and the like stay strings.)
    func scalarValue(_ node: Node) -> AttributeValue? {
        guard case .scalar(let scalar) = node else { return nil }
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return nil
        case "true", "True", "TRUE": return .boolean(true)
        case "false", "False", "FALSE": return .boolean(false)
        default: break
        }
        if let value = Int(text) { return .integer(value) }
        if ScalarSyntax.looksNumeric(text), let value = Double(text), value.isFinite { return .number(value) }
        return .string(text)
    }

    func isNull(_ node: Node) -> Bool {
        if case .scalar = node, scalarValue(node) == nil { return true }
        return false
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            guard let value = scalarValue(node) else { return "null" }
            switch value {
            case .string(let text): return "the string \(quoted(text))"
            default: return "the \(value.kindName) \(value)"
            }
        }
    }
}

/// One expected decision, as `victor authz test` reads it from a cases file.
public struct AuthorizationTestCase: Sendable, Hashable {
    /// The user id checked.
    public var user: String
    /// The resource asked for.
    public var resource: String
    /// The action asked for.
    public var action: String
    /// The request context.
    public var context: [String: AttributeValue]
    /// Whether the request should be allowed.
    public var expectAllowed: Bool
    /// The 1-based line of the case in its file; 0 when it has no source.
    public var line: Int

    /// Creates a case.
    public init(
        user: String,
        resource: String,
        action: String,
        context: [String: AttributeValue] = [:],
        expectAllowed: Bool,
        line: Int = 0
    ) {
        self.user = user
        self.resource = resource
        self.action = action
        self.context = context
        self.expectAllowed = expectAllowed
        self.line = line
    }

    /// Parses a YAML or JSON list of cases `{user, resource, action, context, expect: allow|deny}`,
    /// as strictly as a configuration.
    /// - Throws: ``AuthorizationError/Code/invalidConfiguration`` listing every problem.
    public static func parse(_ text: String, file: String = "<cases>") throws(AuthorizationError) -> [Self] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw AuthorizationError(
                .invalidConfiguration,
                "\(file): not valid YAML or JSON",
                issues: [AuthorizationConfiguration.syntaxIssue(error, file: file)]
            )
        }
        var reader = ConfigurationReader(file: file)
        var cases: [Self] = []
        let nodes: [Node] = root.map { reader.sequence($0, "cases") ?? [] } ?? []
        for (index, node) in nodes.enumerated() {
            let path = "cases[\(index)]"
            let allowed: Set<String> = ["user", "resource", "action", "context", "expect"]
            guard let entries = reader.mapping(node, path, allowed: allowed) else { continue }
            var testCase = Self(user: "", resource: "", action: "", expectAllowed: false, line: node.mark?.line ?? 0)
            var seen = Set<String>()
            for (key, value) in entries {
                seen.insert(key)
                let keyPath = path + "." + key
                switch key {
                case "user": testCase.user = reader.string(value, keyPath) ?? ""
                case "resource": testCase.resource = reader.string(value, keyPath) ?? ""
                case "action": testCase.action = reader.string(value, keyPath) ?? ""
                case "context":
                    for (name, entry) in reader.mapping(value, keyPath, allowed: nil) ?? [] {
                        if let attribute = reader.attributeValue(entry, keyPath + "." + name) {
                            testCase.context[name] = attribute
                        }
                    }
                default:
                    let expectation: String? = reader.string(value, keyPath)
                    if expectation == "allow" {
                        testCase.expectAllowed = true
                    } else if let expectation, expectation != "deny" {
                        reader.fail(value, keyPath, "unknown expectation '\(expectation)'; expected allow or deny")
                    }
                }
            }
            for required in ["user", "resource", "action", "expect"] where !seen.contains(required) {
                reader.fail(node, path, "a case needs '\(required)'")
            }
            cases.append(testCase)
        }
        if !reader.issues.isEmpty {
            throw AuthorizationError(.invalidConfiguration, "\(file): invalid test cases", issues: reader.issues)
        }
        return cases
    }
}
