import OrderedCollections
import VictorDocuments

extension AdaptationRuleSet {
    /// Whether a rules document extends the rules it is loaded over or replaces them.
    public enum Mode: String, Sendable, CaseIterable {
        /// Rules are added to the base set; a rule with an existing name replaces it.
        case extend
        /// The document's rules are the whole set.
        case replace
    }

    static let documentKeys: Set<String> = ["mode", "rules"]
    static let ruleKeys: Set<String> = [
        "name", "when", "reason", "personality", "communication_style", "add_expertise", "max_tool_calls",
        "response_length", "explanation_depth", "add_preferred_tools", "add_forbidden_tools", "prompt_additions",
    ]

    /// Reads a rules document and applies it to `base`:
    ///
    /// ```yaml
    /// mode: extend            # or replace; extend is the default
    /// rules:
    ///   - name: incident
    ///     when: {task_type: incident, urgency: high}
    ///     reason: incidents need short, careful answers
    ///     personality: cautious
    ///     response_length: short
    ///     add_forbidden_tools: [deploy]
    /// ```
    ///
    /// - Throws: a ``PersonaError`` naming the file, line and key for any wrong type, unknown key
    ///   or value; nothing is applied from a document with an error.
    public static func decode(
        _ text: String,
        file: String,
        over base: AdaptationRuleSet = .victor
    )
        throws(PersonaError) -> AdaptationRuleSet
    {
        let reader = NodeReader(file: file)
        let root = try reader.root(text)
        let entries = try reader.entries(root, "", allowed: documentKeys)
        var mode = Mode.extend
        if let node = entries["mode"]?.value { mode = try reader.enumeration(node, "mode") }
        let rulesNode = try reader.required(entries, "rules", in: root, "")
        guard case .sequence(let list) = rulesNode.content else {
            throw reader.wrongType(rulesNode, "rules", expected: "a list of rules")
        }
        var rules: [AdaptationRule] = []
        var names: Set<String> = []
        for (index, node) in list.enumerated() {
            let rule = try decodeRule(node, "rules[\(index)]", reader)
            guard names.insert(rule.name).inserted else {
                throw reader.fail(
                    .duplicateKey,
                    "the rule name '\(rule.name)' appears twice",
                    node,
                    "rules[\(index)].name"
                )
            }
            rules.append(rule)
        }
        let set = AdaptationRuleSet(rules)
        return mode == .replace ? set : base.extended(with: set)
    }

    static func decodeRule(
        _ node: DocumentNode,
        _ path: String,
        _ reader: NodeReader
    ) throws(PersonaError) -> AdaptationRule {
        let entries = try reader.entries(node, path, allowed: ruleKeys)
        func key(_ name: String) -> String { reader.join(path, name) }
        func list(_ name: String) throws(PersonaError) -> [String] {
            guard let value = entries[name]?.value, !reader.isNull(value) else { return [] }
            return try reader.stringList(value, key(name))
        }
        let name = try reader.string(try reader.required(entries, "name", in: node, path), key("name"))
        guard !name.isEmpty else {
            throw reader.fail(.invalidValue, "the rule name is empty", entries["name"]?.value, key("name"))
        }
        let whenNode = try reader.required(entries, "when", in: node, path)
        var conditions: [String: String] = [:]
        for (conditionKey, entry) in try reader.entries(whenNode, key("when")) {
            conditions[conditionKey] = try reader.string(entry.value, key("when.\(conditionKey)"))
        }
        guard !conditions.isEmpty else {
            throw reader.fail(.invalidValue, "a rule needs at least one condition", whenNode, key("when"))
        }
        var rule = AdaptationRule(
            name: name,
            when: conditions,
            reason: try reader.optionalString(entries["reason"]?.value, key("reason")) ?? name
        )
        if let value = entries["personality"]?.value {
            rule.personality = try reader.enumeration(value, key("personality"))
        }
        if let value = entries["communication_style"]?.value {
            rule.communicationStyle = try reader.enumeration(value, key("communication_style"))
        }
        if let value = entries["response_length"]?.value {
            rule.responseLength = try reader.enumeration(value, key("response_length"))
        }
        if let value = entries["explanation_depth"]?.value {
            rule.explanationDepth = try reader.enumeration(value, key("explanation_depth"))
        }
        if let value = entries["max_tool_calls"]?.value {
            let max = try reader.int(value, key("max_tool_calls"))
            guard max >= 1 else {
                throw reader.fail(.invalidValue, "must be at least 1, is \(max)", value, key("max_tool_calls"))
            }
            rule.maxToolCalls = max
        }
        rule.addExpertise = try list("add_expertise")
        rule.addPreferredTools = try list("add_preferred_tools")
        rule.addForbiddenTools = try list("add_forbidden_tools")
        rule.promptAdditions = try list("prompt_additions")
        return rule
    }
}
