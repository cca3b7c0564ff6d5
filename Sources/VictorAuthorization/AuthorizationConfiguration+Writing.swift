import Foundation
import VictorDocuments
import VictorFiles

extension AuthorizationConfiguration {
    /// The configuration as YAML in the documented schema; ``parse(_:file:)`` reads it back to an
    /// equal configuration. Strings are always quoted, so none reads back as a number or boolean;
    /// a permission's or policy's conditions are written grouped by key, in first-seen order.
    public func yaml() -> String {
        var out = "enabled: \(enabled)\ndefault_deny: \(defaultDeny)\n"
        out += roles.isEmpty ? "roles: {}\n" : "roles:\n"
        for role in roles {
            out += "  \(jsonString(role.name)):\n"
            var fields: [String] = []
            if !role.description.isEmpty { fields.append("description: \(jsonString(role.description))") }
            if !role.inherits.isEmpty { fields.append("inherits: \(flowList(role.inherits))") }
            fields.append("permissions: \(flowPermissions(role.permissions))")
            for field in fields { out += "    \(field)\n" }
        }
        out += users.isEmpty ? "users: {}\n" : "users:\n"
        for user in users {
            out += "  \(jsonString(user.id)):\n"
            out += "    username: \(jsonString(user.username))\n"
            out += "    roles: \(flowList(user.roles))\n"
            out += "    attributes: \(flowAttributes(user.attributes))\n"
            out += "    enabled: \(user.enabled)\n"
            out += "    permissions: \(flowPermissions(user.permissions))\n"
        }
        out += policies.isEmpty ? "policies: []\n" : "policies:\n"
        for policy in policies {
            out += "  - name: \(jsonString(policy.name))\n"
            out += "    effect: \(policy.effect.rawValue)\n"
            out += "    resource: \(jsonString(policy.resource))\n"
            out += "    action: \(jsonString(policy.action))\n"
            if !policy.subjects.isEmpty { out += "    subjects: \(flowList(policy.subjects))\n" }
            if !policy.conditions.isEmpty { out += "    conditions: \(flowConditions(policy.conditions))\n" }
            out += "    priority: \(policy.priority)\n"
            if !policy.description.isEmpty { out += "    description: \(jsonString(policy.description))\n" }
        }
        return out
    }

    /// The configuration as JSON in the documented schema; ``parse(_:file:)`` reads it back to an
    /// equal configuration.
    public func json() -> String {
        var roleEntries: [String] = []
        for role in roles {
            var fields: [String] = []
            if !role.description.isEmpty { fields.append("\"description\": \(jsonString(role.description))") }
            if !role.inherits.isEmpty { fields.append("\"inherits\": \(flowList(role.inherits))") }
            fields.append("\"permissions\": \(flowPermissions(role.permissions))")
            roleEntries.append("    \(jsonString(role.name)): {" + fields.joined(separator: ", ") + "}")
        }
        var userEntries: [String] = []
        for user in users {
            let fields = [
                "\"username\": \(jsonString(user.username))",
                "\"roles\": \(flowList(user.roles))",
                "\"attributes\": \(flowAttributes(user.attributes))",
                "\"enabled\": \(user.enabled)",
                "\"permissions\": \(flowPermissions(user.permissions))",
            ]
            userEntries.append("    \(jsonString(user.id)): {" + fields.joined(separator: ", ") + "}")
        }
        var policyEntries: [String] = []
        for policy in policies {
            var fields = [
                "\"name\": \(jsonString(policy.name))",
                "\"effect\": \(jsonString(policy.effect.rawValue))",
                "\"resource\": \(jsonString(policy.resource))",
                "\"action\": \(jsonString(policy.action))",
            ]
            if !policy.subjects.isEmpty { fields.append("\"subjects\": \(flowList(policy.subjects))") }
            if !policy.conditions.isEmpty {
                fields.append("\"conditions\": \(flowConditions(policy.conditions))")
            }
            fields.append("\"priority\": \(policy.priority)")
            if !policy.description.isEmpty { fields.append("\"description\": \(jsonString(policy.description))") }
            policyEntries.append("    {" + fields.joined(separator: ", ") + "}")
        }
        func block(_ entries: [String], _ open: String, _ close: String) -> String {
            entries.isEmpty ? open + close : open + "\n" + entries.joined(separator: ",\n") + "\n  " + close
        }
        return "{\n  \"enabled\": \(enabled),\n  \"default_deny\": \(defaultDeny),\n"
            + "  \"roles\": \(block(roleEntries, "{", "}")),\n"
            + "  \"users\": \(block(userEntries, "{", "}")),\n"
            + "  \"policies\": \(block(policyEntries, "[", "]"))\n}\n"
    }

    /// Writes the configuration to `path`: JSON when the name ends in `.json`, YAML otherwise.
    /// The file is written to a temporary sibling, synced, then renamed over `path`, so a failed
    /// write leaves the previous content intact.
    /// - Throws: ``AuthorizationError/Code/unwritableFile``.
    public func save(to path: String) throws(AuthorizationError) {
        let text = path.lowercased().hasSuffix(".json") ? json() : yaml()
        do {
            try POSIXFileSystem().writeAtomically(Array(text.utf8), to: path)
        } catch {
            throw AuthorizationError(.unwritableFile, "cannot write \(path): \(error)")
        }
    }
}

// The flow forms below are JSON, which YAML also reads: `yaml()` uses them inside block
// structure and `json()` throughout.

private func flowList(_ items: [String]) -> String {
    "[" + items.map(jsonString).joined(separator: ", ") + "]"
}

private func flowValue(_ value: AttributeValue) -> String {
    switch value {
    case .string(let text): jsonString(text)
    case .integer(let number): String(number)
    case .number(let number): DocumentWriter.format(number)
    case .boolean(let flag): String(flag)
    case .list(let items): "[" + items.map(flowValue).joined(separator: ", ") + "]"
    }
}

private func flowAttributes(_ attributes: [String: AttributeValue]) -> String {
    let entries = attributes.sorted { $0.key < $1.key }.map { jsonString($0.key) + ": " + flowValue($0.value) }
    return "{" + entries.joined(separator: ", ") + "}"
}

private func flowConditions(_ conditions: [Condition]) -> String {
    var order: [AttributeKey] = []
    var grouped: [AttributeKey: [Condition]] = [:]
    for condition in conditions {
        if grouped[condition.key] == nil { order.append(condition.key) }
        grouped[condition.key, default: []].append(condition)
    }
    let entries = order.map { key in
        let operators = grouped[key]!.map { jsonString($0.operator.rawValue) + ": " + flowValue($0.value) }
        return jsonString(key.description) + ": {" + operators.joined(separator: ", ") + "}"
    }
    return "{" + entries.joined(separator: ", ") + "}"
}

private func flowPermissions(_ permissions: [Permission]) -> String {
    let entries = permissions.map { permission in
        var fields = [
            "\"resource\": \(jsonString(permission.resource))", "\"action\": \(jsonString(permission.action))",
        ]
        if !permission.constraints.isEmpty {
            fields.append("\"constraints\": \(flowConditions(permission.constraints))")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
    return "[" + entries.joined(separator: ", ") + "]"
}

/// A JSON string, which YAML reads back as the same string.
private func jsonString(_ text: String) -> String { DocumentWriter.quoted(text) }
