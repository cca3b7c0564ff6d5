/// One adaptation rule: when every condition holds in the context, its changes apply to the
/// persona. Rules are data: Victor's ship as ``AdaptationRuleSet/victor`` and more can be read
/// from YAML.
public struct AdaptationRule: Sendable, Hashable {
    /// The rule's name; a rule with the same name in an extension replaces it.
    public var name: String
    /// Context key → required value (canonical, lower-case); `*` matches any present value. Every
    /// condition must hold.
    public var conditions: [String: String]
    /// Why the rule applies, shown with the adaptation.
    public var reason: String
    /// The personality to switch to.
    public var personality: Personality?
    /// The communication style to switch to.
    public var communicationStyle: CommunicationStyle?
    /// Expertise to add.
    public var addExpertise: [String]
    /// The max tool calls to set.
    public var maxToolCalls: Int?
    /// The response length to set.
    public var responseLength: ResponseLength?
    /// The explanation depth to set.
    public var explanationDepth: ExplanationDepth?
    /// Tools to prefer (unless forbidden).
    public var addPreferredTools: [String]
    /// Tools to forbid (removed from the preferred ones).
    public var addForbiddenTools: [String]
    /// Lines appended to the system prompt.
    public var promptAdditions: [String]

    /// Creates a rule.
    public init(
        name: String,
        when conditions: [String: String],
        reason: String,
        personality: Personality? = nil,
        communicationStyle: CommunicationStyle? = nil,
        addExpertise: [String] = [],
        maxToolCalls: Int? = nil,
        responseLength: ResponseLength? = nil,
        explanationDepth: ExplanationDepth? = nil,
        addPreferredTools: [String] = [],
        addForbiddenTools: [String] = [],
        promptAdditions: [String] = []
    ) {
        self.name = name
        var canonical: [String: String] = [:]
        for (key, value) in conditions {
            canonical[key.trimmingWhitespace().lowercased()] = value.trimmingWhitespace().lowercased()
        }
        self.conditions = canonical
        self.reason = reason
        self.personality = personality
        self.communicationStyle = communicationStyle
        self.addExpertise = addExpertise
        self.maxToolCalls = maxToolCalls
        self.responseLength = responseLength
        self.explanationDepth = explanationDepth
        self.addPreferredTools = addPreferredTools
        self.addForbiddenTools = addForbiddenTools
        self.promptAdditions = promptAdditions
    }

    /// Whether every condition holds in `context`.
    public func matches(_ context: PersonaContext) -> Bool {
        conditions.allSatisfy { key, value in
            guard let actual = context.values[key] else { return false }
            return value == "*" || actual == value
        }
    }
}

/// An ordered list of adaptation rules; every matching rule applies, later ones winning on the
/// same setting.
public struct AdaptationRuleSet: Sendable, Hashable {
    /// The rules, in application order.
    public var rules: [AdaptationRule]

    /// Creates a rule set.
    public init(_ rules: [AdaptationRule]) {
        self.rules = rules
    }

    /// Victor's rules: security review, debugging, high urgency, thorough.
    public static let victor = AdaptationRuleSet([
        AdaptationRule(
            name: "security_review",
            when: [PersonaContext.taskTypeKey: "security_review"],
            reason: "security reviews call for caution, formality and detail",
            personality: .cautious,
            communicationStyle: .formal,
            addExpertise: ["security", "vulnerabilities"],
            responseLength: .long,
            explanationDepth: .detailed
        ),
        AdaptationRule(
            name: "debugging",
            when: [PersonaContext.taskTypeKey: "debugging"],
            reason: "debugging calls for a methodical, detailed approach",
            personality: .methodical,
            addExpertise: ["debugging", "troubleshooting"],
            explanationDepth: .detailed
        ),
        AdaptationRule(
            name: "high_urgency",
            when: [PersonaContext.urgencyKey: "high"],
            reason: "high urgency calls for concise, short answers",
            communicationStyle: .concise,
            responseLength: .short
        ),
        AdaptationRule(
            name: "thorough",
            when: [PersonaContext.userPreferenceKey: "thorough"],
            reason: "the user prefers thorough explanations",
            explanationDepth: .detailed
        ),
    ])

    /// This set with `other`'s rules added: a rule named like an existing one replaces it in place,
    /// new ones are appended.
    public func extended(with other: AdaptationRuleSet) -> AdaptationRuleSet {
        var result = rules
        for rule in other.rules {
            if let index = result.firstIndex(where: { $0.name == rule.name }) {
                result[index] = rule
            } else {
                result.append(rule)
            }
        }
        return AdaptationRuleSet(result)
    }
}
