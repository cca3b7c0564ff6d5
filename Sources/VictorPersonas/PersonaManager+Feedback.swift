/// Changes feedback asks for.
public struct PersonaImprovements: Sendable, Hashable {
    /// Expertise to add.
    public var addExpertise: [String]
    /// A new communication style.
    public var communicationStyle: CommunicationStyle?
    /// A new personality.
    public var personality: Personality?
    /// Tools to prefer.
    public var addPreferredTools: [String]
    /// Tools to forbid (also removed from the preferred ones).
    public var addForbiddenTools: [String]
    /// A new response length.
    public var responseLength: ResponseLength?
    /// A new explanation depth.
    public var explanationDepth: ExplanationDepth?
    /// A new max tool calls.
    public var maxToolCalls: Int?

    /// Creates improvements; none by default.
    public init(
        addExpertise: [String] = [],
        communicationStyle: CommunicationStyle? = nil,
        personality: Personality? = nil,
        addPreferredTools: [String] = [],
        addForbiddenTools: [String] = [],
        responseLength: ResponseLength? = nil,
        explanationDepth: ExplanationDepth? = nil,
        maxToolCalls: Int? = nil
    ) {
        self.addExpertise = addExpertise
        self.communicationStyle = communicationStyle
        self.personality = personality
        self.addPreferredTools = addPreferredTools
        self.addForbiddenTools = addForbiddenTools
        self.responseLength = responseLength
        self.explanationDepth = explanationDepth
        self.maxToolCalls = maxToolCalls
    }

    /// `persona` with the improvements applied.
    public func applied(to persona: Persona) -> Persona {
        var result = persona
        for entry in addExpertise where !result.expertise.contains(entry) { result.expertise.append(entry) }
        if let communicationStyle { result.communicationStyle = communicationStyle }
        if let personality { result.personality = personality }
        result.constraints.forbiddenTools.formUnion(addForbiddenTools)
        result.constraints.preferredTools.formUnion(addPreferredTools)
        result.constraints.preferredTools.subtract(result.constraints.forbiddenTools)
        if let responseLength { result.constraints.responseLength = responseLength }
        if let explanationDepth { result.constraints.explanationDepth = explanationDepth }
        if let maxToolCalls { result.constraints.maxToolCalls = maxToolCalls }
        return result
    }
}

/// A user's feedback on a persona.
public struct PersonaFeedback: Sendable, Hashable {
    /// The rating, from 1 (poor) to 5 (excellent).
    public var rating: Double
    /// Free-text comments.
    public var comments: String?
    /// The changes asked for.
    public var improvements: PersonaImprovements

    /// Creates feedback.
    public init(rating: Double, comments: String? = nil, improvements: PersonaImprovements = .init()) {
        self.rating = rating
        self.comments = comments
        self.improvements = improvements
    }
}

extension PersonaManager {
    /// Applies feedback: when it changes the persona, stores the next version (based on the
    /// version current now) and returns it; otherwise returns the persona unchanged.
    /// - Throws: ``PersonaError/Code/invalidArgument`` for a rating outside 1…5,
    ///   ``PersonaError/Code/invalidValue`` when the change would make the persona invalid,
    ///   ``PersonaError/Code/conflict`` when another writer got there first.
    @discardableResult
    public func applyFeedback(_ feedback: PersonaFeedback, to id: String) async throws(PersonaError) -> Persona {
        guard (1...5).contains(feedback.rating) else {
            throw PersonaError(
                .invalidArgument,
                "the rating must be between 1 and 5, is \(feedback.rating)",
                personaID: id
            )
        }
        invalidate(id)
        let current = try await load(id)
        let improved = feedback.improvements.applied(to: current)
        guard improved != current else { return current }
        try improved.validate()
        return try await update(improved, rating: feedback.rating)
    }
}
