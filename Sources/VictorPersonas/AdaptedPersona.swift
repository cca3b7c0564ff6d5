/// One rule applied during an adaptation: which, why, and what it changed.
public struct AppliedAdjustment: Sendable, Hashable {
    /// The rule's name.
    public var rule: String
    /// Why it applied.
    public var reason: String
    /// What it changed, such as `personality: pragmatic → cautious`.
    public var changes: [String]
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
