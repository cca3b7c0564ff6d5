import Mustache

extension PersonaManager {
    /// The system prompt used when a persona has no template of its own (Victor's).
    public static let defaultSystemTemplate = """
        You are {{name}}, an AI assistant with the following characteristics:

        Personality: {{personality}}
        Communication Style: {{communication_style}}
        Expertise: {{expertise}}
        {{backstory}}

        Please respond in a manner consistent with this persona, maintaining the specified
        communication style and leveraging your expertise areas to provide helpful,
        accurate responses.
        """

    /// The system prompt of an adapted persona: its Mustache template (or the default) rendered
    /// with the effective traits, followed by its constraints, the rules' prompt additions, the
    /// dynamic traits and the adaptation summary.
    ///
    /// Template variables: `name`, `description`, `personality`, `communication_style`,
    /// `expertise` (comma-separated), `backstory`, `response_length`, `explanation_depth`,
    /// `max_tool_calls`, `preferred_tools`, `forbidden_tools`, and every context key. Output is
    /// not HTML-escaped.
    /// - Throws: ``PersonaError/Code/invalidValue`` when the template does not parse or nests
    ///   sections more than 32 deep, with the line and column in the template.
    public static func systemPrompt(for adapted: AdaptedPersona) throws(PersonaError) -> String {
        let persona = adapted.base
        let source = persona.promptTemplates?.system.flatMap { $0.isEmpty ? nil : $0 } ?? defaultSystemTemplate
        let template = try PromptTemplateSyntax.compile(
            source,
            pragma: "{{% CONTENT_TYPE: TEXT}}",
            key: "prompt_templates.system_prompt",
            personaID: persona.id
        )
        var values: [String: Any] = adapted.context.values
        let constraints = adapted.constraints
        values["name"] = persona.name
        values["description"] = persona.description
        values["personality"] = adapted.personality.rawValue
        values["communication_style"] = adapted.communicationStyle.rawValue
        values["expertise"] = adapted.expertise.joined(separator: ", ")
        values["backstory"] = persona.backstory ?? ""
        values["response_length"] = constraints.responseLength.rawValue
        values["explanation_depth"] = constraints.explanationDepth.rawValue
        values["max_tool_calls"] = constraints.maxToolCalls.map(String.init) ?? ""
        values["preferred_tools"] = constraints.preferredTools.sorted().joined(separator: ", ")
        values["forbidden_tools"] = constraints.forbiddenTools.sorted().joined(separator: ", ")
        var prompt = template.render(values)
        var lines: [String] = []
        lines.append("Response length: \(constraints.responseLength.rawValue)")
        lines.append("Explanation depth: \(constraints.explanationDepth.rawValue)")
        if let max = constraints.maxToolCalls { lines.append("Use at most \(max) tool calls.") }
        if !constraints.preferredTools.isEmpty {
            lines.append("Prefer these tools: \(constraints.preferredTools.sorted().joined(separator: ", ")).")
        }
        if !constraints.forbiddenTools.isEmpty {
            lines.append("Never use these tools: \(constraints.forbiddenTools.sorted().joined(separator: ", ")).")
        }
        lines += adapted.promptAdditions
        prompt += "\n\n" + lines.joined(separator: "\n")
        if !adapted.traits.isEmpty {
            prompt += "\n\nAdditional Context:\n"
            for trait in adapted.traits {
                prompt += "- \(trait.name): \(trait.value) (confidence: \(Int((trait.confidence * 100).rounded()))%)\n"
            }
        }
        prompt += "\nAdaptation: \(adapted.summary)"
        return prompt
    }

    /// The system prompt of the persona `id` adapted to `context`.
    public func systemPrompt(_ id: String, context: PersonaContext = .empty) async throws(PersonaError) -> String {
        try Self.systemPrompt(for: try await adapt(id, to: context))
    }
}
