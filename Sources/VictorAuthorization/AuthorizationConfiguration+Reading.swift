import Foundation
import VictorDocuments

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
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses a configuration from UTF-8 bytes; see ``parse(_:file:)``. Invalid UTF-8 is an
    /// issue with its position, never repaired.
    public static func parse(bytes: [UInt8], file: String = "<configuration>") throws(AuthorizationError) -> Self {
        let root: DocumentNode?
        do {
            root = try DocumentReader().read(bytes: bytes, file: file)
        } catch {
            throw documentError(error, file: file)
        }
        return try configuration(root, file: file)
    }

    static func configuration(_ root: DocumentNode?, file: String) throws(AuthorizationError) -> Self {
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
        let root: DocumentNode?
        do {
            root = try DocumentReader().read(contentsOf: path)
        } catch {
            if let issue = error.issues.first, issue.code == .unreadable {
                throw AuthorizationError(.unreadableFile, "cannot read \(path): \(issue.message)")
            }
            throw documentError(error, file: path)
        }
        return try configuration(root, file: path)
    }

    static func documentError(_ error: DocumentError, file: String) -> AuthorizationError {
        AuthorizationError(
            .invalidConfiguration,
            "\(file): not a readable YAML or JSON document",
            issues: error.issues.map(ConfigurationIssue.init)
        )
    }
}

extension ConfigurationIssue {
    init(_ issue: DocumentIssue) {
        self.init(
            file: issue.file,
            line: issue.position?.line ?? 0,
            column: issue.position?.column ?? 0,
            key: issue.keyPath,
            message: issue.message
        )
    }
}

/// Decodes a composed YAML node tree into a configuration, collecting every structural problem
/// with its location and recording where each key was found for the semantic checks.
struct ConfigurationReader {
    var issues: [ConfigurationIssue] = []
    var sourceMap: SourceMap

    init(file: String) { sourceMap = SourceMap(file: file) }

    // MARK: Documents

    mutating func configuration(_ root: DocumentNode) -> AuthorizationConfiguration {
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

    mutating func role(_ name: String, _ node: DocumentNode, _ path: String) -> Role {
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

    mutating func user(_ id: String, _ node: DocumentNode, _ path: String) -> User {
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

    mutating func policy(_ node: DocumentNode, _ path: String) -> Policy? {
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
                    fail(value, keyPath, "unknown effect '\(text)'; expected allow, deny or approve")
                }
            case "resource": policy.resource = string(value, keyPath) ?? ""
            case "action": policy.action = string(value, keyPath) ?? ""
            case "subjects":
                if value.isNull {
                    fail(value, keyPath, "subjects is null, which would apply to everyone; omit subjects for that")
                    continue
                }
                policy.subjects = strings(value, keyPath)
                if case .sequence(let items) = value.content, items.isEmpty {
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

    mutating func permissions(_ node: DocumentNode, _ path: String) -> [Permission] {
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

    mutating func conditions(_ node: DocumentNode, _ path: String) -> [Condition] {
        var result: [Condition] = []
        for (name, value) in mapping(node, path, allowed: nil) ?? [] {
            let keyPath = path + "." + name
            guard let key = AttributeKey(parsing: name) else {
                fail(nil, keyPath, "unknown condition key '\(name)'; expected user.NAME or context.NAME")
                continue
            }
            if case .mapping = value.content {
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

    mutating func fail(_ node: DocumentNode?, _ path: String, _ message: String) {
        fail(at: node?.position, path, message)
    }

    mutating func fail(at position: DocumentPosition?, _ path: String, _ message: String) {
        var location = sourceMap.location(of: path)
        if let position { location = (position.line, position.column) }
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
    /// unknown keys when `allowed` is set (the document reader has already refused duplicate,
    /// null and non-scalar keys). A null value reads as an empty mapping.
    mutating func mapping(_ node: DocumentNode, _ path: String, allowed: Set<String>?) -> [(String, DocumentNode)]? {
        if node.isNull { return [] }
        guard case .mapping(let mapping) = node.content else {
            fail(node, path, "expected a mapping, found \(node.kindDescription)")
            return nil
        }
        var entries: [(String, DocumentNode)] = []
        for entry in mapping {
            let key = entry.key
            let keyPath = path.isEmpty ? key : path + "." + key
            sourceMap.marks[keyPath] = (entry.keyPosition.line, entry.keyPosition.column)
            if let allowed, !allowed.contains(key) {
                let expected = allowed.sorted().joined(separator: ", ")
                fail(
                    at: entry.keyPosition,
                    keyPath,
                    "unknown key \(ExactText.quotedForDisplay(key)); expected one of \(expected)"
                )
                continue
            }
            entries.append((key, entry.value))
        }
        return entries
    }

    /// The items of a sequence, each item's location recorded; a null value reads as empty.
    mutating func sequence(_ node: DocumentNode, _ path: String) -> [DocumentNode]? {
        if node.isNull { return [] }
        guard case .sequence(let items) = node.content else {
            fail(node, path, "expected a list, found \(node.kindDescription)")
            return nil
        }
        for (index, item) in items.enumerated() {
            sourceMap.marks["\(path)[\(index)]"] = (item.position.line, item.position.column)
        }
        return items
    }

    mutating func strings(_ node: DocumentNode, _ path: String) -> [String] {
        (sequence(node, path) ?? []).enumerated().compactMap { index, item in string(item, "\(path)[\(index)]") }
    }

    mutating func string(_ node: DocumentNode, _ path: String) -> String? {
        if case .scalar(.string(let text)) = node.content { return text }
        fail(node, path, "expected a string, found \(node.kindDescription)")
        return nil
    }

    mutating func bool(_ node: DocumentNode, _ path: String) -> Bool? {
        if case .scalar(.boolean(let value)) = node.content { return value }
        fail(node, path, "expected true or false, found \(node.kindDescription)")
        return nil
    }

    mutating func int(_ node: DocumentNode, _ path: String) -> Int? {
        if case .scalar(.integer(let value)) = node.content { return value }
        fail(node, path, "expected an integer, found \(node.kindDescription)")
        return nil
    }

    mutating func attributeValue(_ node: DocumentNode, _ path: String) -> AttributeValue? {
        switch node.content {
        case .scalar(.null):
            fail(node, path, "expected a value, found null")
            return nil
        case .scalar(let value):
            return AttributeValue(value)
        case .sequence(let items):
            var values: [AttributeValue] = []
            for (index, item) in items.enumerated() {
                guard case .scalar(let scalar) = item.content, scalar != .null else {
                    fail(
                        item,
                        "\(path)[\(index)]",
                        "a list holds strings, numbers or booleans, not \(item.kindDescription)"
                    )
                    return nil
                }
                values.append(AttributeValue(scalar))
            }
            return .list(values)
        case .mapping:
            fail(node, path, "expected a string, number, boolean or list, found a mapping")
            return nil
        }
    }
}

extension AttributeValue {
    /// The attribute value of a non-null document scalar.
    init(_ scalar: ScalarValue) {
        switch scalar {
        case .null, .string: self = .string(scalar.stringValue)
        case .boolean(let value): self = .boolean(value)
        case .integer(let value): self = .integer(value)
        case .float(let value): self = .number(value)
        }
    }
}

extension ScalarValue {
    fileprivate var stringValue: String {
        if case .string(let text) = self { return text }
        return ""
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
        let root: DocumentNode?
        do {
            root = try DocumentReader().read(text, file: file)
        } catch {
            throw AuthorizationConfiguration.documentError(error, file: file)
        }
        var reader = ConfigurationReader(file: file)
        var cases: [Self] = []
        let nodes: [DocumentNode] = root.map { reader.sequence($0, "cases") ?? [] } ?? []
        for (index, node) in nodes.enumerated() {
            let path = "cases[\(index)]"
            let allowed: Set<String> = ["user", "resource", "action", "context", "expect"]
            guard let entries = reader.mapping(node, path, allowed: allowed) else { continue }
            var testCase = Self(user: "", resource: "", action: "", expectAllowed: false, line: node.position.line)
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
