/// A persona suggested for a task, with its score and why.
public struct PersonaSuggestion: Sendable, Hashable {
    /// The persona.
    public var persona: Persona
    /// The score, between 0 and 1.
    public var score: Double
    /// What contributed to the score.
    public var reasons: [String]
}

extension PersonaManager {
    /// Task keywords and the expertise they call for (Victor's map).
    public static let taskKeywords: [(keyword: String, expertise: Set<String>)] = [
        ("security", ["security", "vulnerabilities", "auditing"]),
        ("performance", ["performance", "optimization", "profiling"]),
        ("test", ["testing", "quality", "verification"]),
        ("debug", ["debugging", "troubleshooting", "diagnostics"]),
        ("bug", ["debugging", "troubleshooting", "diagnostics"]),
        ("architecture", ["architecture", "design", "structure"]),
        ("design", ["architecture", "design", "structure"]),
        ("review", ["review", "quality", "standards"]),
        ("code", ["coding", "implementation", "development"]),
        ("deploy", ["deployment", "ci_cd", "automation"]),
        ("document", ["documentation", "writing", "editing"]),
        ("learn", ["teaching", "explanation", "skill_development"]),
        ("teach", ["teaching", "explanation", "skill_development"]),
        ("data", ["data_analysis", "statistics", "machine_learning"]),
        ("research", ["research", "analysis", "documentation"]),
    ]

    /// Personas ranked for a task description, best first (ties by id), each at least
    /// ``PersonaManagerConfiguration/minimumSuggestionScore``.
    ///
    /// The score weighs how much of the expertise the task's keywords call for a persona covers
    /// (0.7), direct mentions of its expertise in the task (0.3), and Victor's 20% boost when the
    /// personality suits the task (cautious or methodical for security, creative or curious for
    /// design, methodical or systematic for debugging); capped at 1.
    public func suggest(for task: String, limit: Int? = nil) async throws(PersonaError) -> [PersonaSuggestion] {
        let ranked = Self.rank(try await list(), for: task, minimumScore: configuration.minimumSuggestionScore)
        return limit.map { Array(ranked.prefix($0)) } ?? ranked
    }

    /// Scores and ranks `personas` for `task`; see ``suggest(for:limit:)``.
    public static func rank(_ personas: [Persona], for task: String, minimumScore: Double) -> [PersonaSuggestion] {
        let text = task.lowercased()
        let words = Set(text.split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map(String.init))
        var required: Set<String> = []
        var keywords: [String] = []
        for (keyword, expertise) in taskKeywords where text.containsBytes(of: keyword) {
            required.formUnion(expertise)
            keywords.append(keyword)
        }
        var suggestions: [PersonaSuggestion] = []
        for persona in personas {
            var reasons: [String] = []
            let expertise = Set(persona.expertise.map { $0.lowercased() })
            var keywordScore = 0.0
            if !required.isEmpty {
                let covered = expertise.intersection(required)
                keywordScore = Double(covered.count) / Double(required.count)
                if !covered.isEmpty {
                    reasons.append(
                        "covers \(covered.sorted().joined(separator: ", ")) for \(keywords.joined(separator: ", "))"
                    )
                }
            }
            let mentioned = persona.expertise.filter { entry in
                let parts = entry.lowercased().split(separator: "_").map(String.init)
                return words.contains(entry.lowercased()) || (!parts.isEmpty && parts.allSatisfy(words.contains))
            }
            let directScore = min(1, Double(mentioned.count) / 2)
            if !mentioned.isEmpty { reasons.append("the task mentions \(mentioned.joined(separator: ", "))") }
            var score = 0.7 * keywordScore + 0.3 * directScore
            if suitsTask(persona.personality, text) {
                score *= 1.2
                reasons.append("a \(persona.personality.rawValue) personality suits the task")
            }
            score = min(score, 1)
            if score >= minimumScore, score > 0 {
                suggestions.append(PersonaSuggestion(persona: persona, score: score, reasons: reasons))
            }
        }
        return suggestions.sorted { ($0.score, $1.persona.id) > ($1.score, $0.persona.id) }
    }

    static func suitsTask(_ personality: Personality, _ task: String) -> Bool {
        if task.containsBytes(of: "security") { return personality == .cautious || personality == .methodical }
        if task.containsBytes(of: "creative") || task.containsBytes(of: "design") {
            return personality == .creative || personality == .curious
        }
        if task.containsBytes(of: "debug") { return personality == .methodical || personality == .systematic }
        return false
    }
}
