/// A persona in the short JSON shape `victor persona list --format json` prints, one object per
/// persona: `id`, `name`, `version`, `personality`, `communication_style`, `expertise`,
/// `description`. The full persona, as it imports back, is ``PersonaDocument``'s.
public struct PersonaSummary: Encodable, Sendable, Hashable {
    /// The persona's id.
    public var id: String
    /// Its display name.
    public var name: String
    /// Its current version.
    public var version: Int
    /// Its personality's raw value, such as `cautious`.
    public var personality: String
    /// Its communication style's raw value, such as `formal`.
    public var communicationStyle: String
    /// Its areas of expertise, in order.
    public var expertise: [String]
    /// Its description.
    public var description: String

    /// The summary of `persona`.
    public init(_ persona: Persona) {
        id = persona.id
        name = persona.name
        version = persona.version
        personality = persona.personality.rawValue
        communicationStyle = persona.communicationStyle.rawValue
        expertise = persona.expertise
        description = persona.description
    }

    enum CodingKeys: String, CodingKey {
        case id, name, version, personality, expertise, description
        case communicationStyle = "communication_style"
    }
}

/// An adapted persona in the JSON shape `victor persona adapt --format json` prints: the base
/// persona's `id` and `version`, the canonical `context`, the effective `personality`,
/// `communication_style`, `expertise` and `constraints`, the `adjustments` applied (each with its
/// `rule`, `reason` and `changes`), and the one-line `summary`.
public struct AdaptedPersonaRecord: Encodable, Sendable, Hashable {
    /// The effective constraints: `max_tool_calls` (`null` for no limit), `preferred_tools` and
    /// `forbidden_tools` (sorted), `response_length`, `explanation_depth`.
    public struct Constraints: Encodable, Sendable, Hashable {
        /// The tool-call limit, or `nil` (encoded as `null`) for none.
        public var maxToolCalls: Int?
        /// The preferred tools, sorted.
        public var preferredTools: [String]
        /// The forbidden tools, sorted.
        public var forbiddenTools: [String]
        /// The response length's raw value.
        public var responseLength: String
        /// The explanation depth's raw value.
        public var explanationDepth: String

        /// The record of `constraints`.
        public init(_ constraints: PersonaConstraints) {
            maxToolCalls = constraints.maxToolCalls
            preferredTools = constraints.preferredTools.sorted()
            forbiddenTools = constraints.forbiddenTools.sorted()
            responseLength = constraints.responseLength.rawValue
            explanationDepth = constraints.explanationDepth.rawValue
        }

        /// Encodes every key, `max_tool_calls` as `null` when there is no limit.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(maxToolCalls, forKey: .maxToolCalls)
            try container.encode(preferredTools, forKey: .preferredTools)
            try container.encode(forbiddenTools, forKey: .forbiddenTools)
            try container.encode(responseLength, forKey: .responseLength)
            try container.encode(explanationDepth, forKey: .explanationDepth)
        }

        enum CodingKeys: String, CodingKey {
            case maxToolCalls = "max_tool_calls"
            case preferredTools = "preferred_tools"
            case forbiddenTools = "forbidden_tools"
            case responseLength = "response_length"
            case explanationDepth = "explanation_depth"
        }
    }

    /// One adjustment applied: the rule's name, why it applied, and each change described
    /// (``AdjustmentChange/description``).
    public struct Adjustment: Encodable, Sendable, Hashable {
        /// The rule's name.
        public var rule: String
        /// Why it applied.
        public var reason: String
        /// What it changed, one description each, such as `personality: pragmatic → cautious`.
        public var changes: [String]
    }

    /// The base persona's id.
    public var id: String
    /// The base persona's version.
    public var version: Int
    /// The canonical context adapted to.
    public var context: [String: String]
    /// The effective personality's raw value.
    public var personality: String
    /// The effective communication style's raw value.
    public var communicationStyle: String
    /// The effective expertise.
    public var expertise: [String]
    /// The effective constraints.
    public var constraints: Constraints
    /// The adjustments applied, in order.
    public var adjustments: [Adjustment]
    /// The one-line summary (``AdaptedPersona/summary``).
    public var summary: String

    /// The record of `adapted`.
    public init(_ adapted: AdaptedPersona) {
        id = adapted.base.id
        version = adapted.base.version
        context = adapted.context.values
        personality = adapted.personality.rawValue
        communicationStyle = adapted.communicationStyle.rawValue
        expertise = adapted.expertise
        constraints = Constraints(adapted.constraints)
        adjustments = adapted.adjustments.map {
            Adjustment(rule: $0.rule, reason: $0.reason, changes: $0.changes.map(\.description))
        }
        summary = adapted.summary
    }

    enum CodingKeys: String, CodingKey {
        case id, version, context, personality, expertise, constraints, adjustments, summary
        case communicationStyle = "communication_style"
    }
}

/// A suggestion in the JSON shape `victor persona suggest --format json` prints: the persona's
/// `id` and `name`, its `score` (0 to 1) and the `reasons` behind the score.
public struct PersonaSuggestionRecord: Encodable, Sendable, Hashable {
    /// The persona's id.
    public var id: String
    /// Its display name.
    public var name: String
    /// How well it suits the task, from 0 to 1.
    public var score: Double
    /// What contributed to the score.
    public var reasons: [String]

    /// The record of `suggestion`.
    public init(_ suggestion: PersonaSuggestion) {
        id = suggestion.persona.id
        name = suggestion.persona.name
        score = suggestion.score
        reasons = suggestion.reasons
    }
}
