/// One change a rule made; its description reads like `personality: pragmatic → cautious`.
public enum AdjustmentChange: Sendable, Hashable, CustomStringConvertible {
    /// The personality changed.
    case personality(from: Personality, to: Personality)
    /// The communication style changed.
    case communicationStyle(from: CommunicationStyle, to: CommunicationStyle)
    /// Expertise was added.
    case addedExpertise([String])
    /// The tool-call limit changed.
    case maxToolCalls(from: Int?, to: Int)
    /// The response length changed.
    case responseLength(from: ResponseLength, to: ResponseLength)
    /// The explanation depth changed.
    case explanationDepth(from: ExplanationDepth, to: ExplanationDepth)
    /// Tools were forbidden (and removed from the preferred ones).
    case forbiddenTools([String])
    /// Tools were preferred.
    case preferredTools([String])

    /// `key: old → new`, or `key: + added`.
    public var description: String {
        switch self {
        case .personality(let from, let to): return "personality: \(from.rawValue) → \(to.rawValue)"
        case .communicationStyle(let from, let to): return "communication_style: \(from.rawValue) → \(to.rawValue)"
        case .addedExpertise(let added): return "expertise: + \(added.joined(separator: ", "))"
        case .maxToolCalls(let from, let to): return "max_tool_calls: \(from.map(String.init) ?? "none") → \(to)"
        case .responseLength(let from, let to): return "response_length: \(from.rawValue) → \(to.rawValue)"
        case .explanationDepth(let from, let to): return "explanation_depth: \(from.rawValue) → \(to.rawValue)"
        case .forbiddenTools(let tools): return "forbidden_tools: + \(tools.joined(separator: ", "))"
        case .preferredTools(let tools): return "preferred_tools: + \(tools.joined(separator: ", "))"
        }
    }
}

/// One rule applied during an adaptation: which, why, and what it changed.
public struct AppliedAdjustment: Sendable, Hashable {
    /// The rule's name.
    public var rule: String
    /// Why it applied.
    public var reason: String
    /// What it changed.
    public var changes: [AdjustmentChange]
}

/// A trait computed from the context (Victor's dynamic traits).
public struct DynamicTrait: Sendable, Hashable {
    /// The trait's name, such as `efficiency_focus`.
    public var name: String
    /// Its value, as text.
    public var value: String
    /// Confidence between 0 and 1.
    public var confidence: Double
    /// Why it was derived.
    public var reason: String
}

/// A persona adapted to a context: the effective personality, style, expertise and constraints,
/// and the adjustments that produced them. Immutable and shared: a cached adaptation is returned
/// as the same instance.
public final class AdaptedPersona: Sendable {
    /// The persona adapted (its version is part of the cache key).
    public let base: Persona
    /// The context adapted to.
    public let context: PersonaContext
    /// The effective personality.
    public let personality: Personality
    /// The effective communication style.
    public let communicationStyle: CommunicationStyle
    /// The effective expertise: the persona's, then what rules added.
    public let expertise: [String]
    /// The effective constraints.
    public let constraints: PersonaConstraints
    /// The rules applied, in order.
    public let adjustments: [AppliedAdjustment]
    /// Traits derived from the context.
    public let traits: [DynamicTrait]
    /// Extra system-prompt lines from the rules applied.
    public let promptAdditions: [String]

    init(
        base: Persona,
        context: PersonaContext,
        personality: Personality,
        communicationStyle: CommunicationStyle,
        expertise: [String],
        constraints: PersonaConstraints,
        adjustments: [AppliedAdjustment],
        traits: [DynamicTrait],
        promptAdditions: [String]
    ) {
        self.base = base
        self.context = context
        self.personality = personality
        self.communicationStyle = communicationStyle
        self.expertise = expertise
        self.constraints = constraints
        self.adjustments = adjustments
        self.traits = traits
        self.promptAdditions = promptAdditions
    }

    /// One line explaining the adaptation, like Victor's `adaptation_reason`.
    public var summary: String {
        var reasons: [String] = []
        if !adjustments.isEmpty { reasons.append("applied \(adjustments.map(\.rule).joined(separator: ", "))") }
        if let task = context.taskType { reasons.append("optimized for task type: \(task)") }
        if let preference = context.userPreference { reasons.append("user preference: \(preference)") }
        return reasons.isEmpty ? "standard persona application" : reasons.joined(separator: "; ")
    }
}
