public import Foundation
import VictorDocuments

extension Persona {
    /// Personality pairs that cannot be merged, with the reason.
    public static let incompatiblePersonalities: [(Personality, Personality, String)] = [
        (.cautious, .creative, "a cautious persona avoids the risks a creative one takes"),
        (.critical, .supportive, "a critical persona's critique undercuts a supportive one's encouragement"),
    ]

    /// Merges two or more personas into a hybrid, as Victor does: the first persona's personality,
    /// the most common communication style (the earliest on a tie), the union of expertise and of
    /// tool sets (a tool forbidden by any source is forbidden, and no longer preferred; the
    /// allow-list is what every source with an allow-list allows, none when no source has one), the largest
    /// `max_tool_calls` when any source sets one, the most verbose response length and the most
    /// detailed explanation depth.
    /// - Parameters:
    ///   - personas: at least two personas.
    ///   - name: the merged persona's name.
    ///   - id: its id; `merged_` and the source ids joined by `_` when `nil`.
    ///   - now: its creation time.
    /// - Returns: the merged persona, version 1, not stored.
    /// - Throws: ``PersonaError/Code/invalidArgument`` for fewer than two personas or one named twice,
    ///   ``PersonaError/Code/incompatible`` naming the conflicting personalities and why,
    ///   ``PersonaError/Code/invalidValue`` when the result is invalid (such as a too-long id).
    public static func merging(
        _ personas: [Persona],
        name: String,
        id: String? = nil,
        now: Date = Date()
    )
        throws(PersonaError) -> Persona
    {
        guard personas.count >= 2 else {
            throw PersonaError(.invalidArgument, "merging needs at least 2 personas, got \(personas.count)")
        }
        // Pairwise: a handful of ids, compared in place without copying a persona, hashing or allocating.
        for later in personas.indices {
            for earlier in 0..<later
            where personas[earlier].id.utf8.count == personas[later].id.utf8.count
                && ExactText.equals(personas[earlier].id, personas[later].id)
            {
                let id = personas[later].id
                throw PersonaError(
                    .invalidArgument,
                    "\(ExactText.quotedForDisplay(id)) is named more than once; merging needs distinct personas",
                    personaID: id
                )
            }
        }
        for (first, second, reason) in incompatiblePersonalities {
            if let a = personas.firstIndex(where: { $0.personality == first }),
                let b = personas.firstIndex(where: { $0.personality == second })
            {
                throw PersonaError(
                    .incompatible,
                    "cannot merge \(ExactText.quotedForDisplay(personas[a].id)) (\(first.rawValue)) with "
                        + "\(ExactText.quotedForDisplay(personas[b].id)) "
                        + "(\(second.rawValue)): \(reason)"
                )
            }
        }
        var style = personas[0].communicationStyle
        var bestCount = 0
        for candidate in personas.indices {
            let candidateStyle = personas[candidate].communicationStyle
            let count = personas.indices.reduce(0) { $0 + (personas[$1].communicationStyle == candidateStyle ? 1 : 0) }
            if count > bestCount {
                style = candidateStyle
                bestCount = count
            }
        }
        var expertise: [String] = []  // a linear scan beats hashing for a few dozen entries
        var preferred = personas[0].constraints.preferredTools
        var forbidden = personas[0].constraints.forbiddenTools
        var allowed: Set<String>?
        var maxToolCalls: Int?
        var length = ResponseLength.short
        var depth = ExplanationDepth.brief
        for index in personas.indices {
            for entry in personas[index].expertise where !expertise.contains(entry) { expertise.append(entry) }
            if index > 0 {
                preferred.formUnion(personas[index].constraints.preferredTools)
                forbidden.formUnion(personas[index].constraints.forbiddenTools)
            }
            if let list = personas[index].constraints.allowedTools { allowed = allowed?.intersection(list) ?? list }
            if let calls = personas[index].constraints.maxToolCalls { maxToolCalls = max(maxToolCalls ?? calls, calls) }
            length = max(length, personas[index].constraints.responseLength)
            depth = max(depth, personas[index].constraints.explanationDepth)
        }
        if !preferred.isDisjoint(with: forbidden) { preferred.subtract(forbidden) }
        let backstories = personas.compactMap(\.backstory)
        let merged = Persona(
            id: id ?? "merged_" + personas.map(\.id).joined(separator: "_"),
            name: name,
            description: "Hybrid persona combining: " + personas.map(\.description).joined(separator: "; "),
            personality: personas[0].personality,
            communicationStyle: style,
            expertise: expertise,
            backstory: backstories.isEmpty ? nil : backstories.joined(separator: "\n\n"),
            constraints: PersonaConstraints(
                maxToolCalls: maxToolCalls,
                preferredTools: preferred,
                forbiddenTools: forbidden,
                allowedTools: allowed?.subtracting(forbidden),
                responseLength: length,
                explanationDepth: depth
            ),
            promptTemplates: personas.lazy.compactMap(\.promptTemplates).first,
            temperature: personas.lazy.compactMap(\.temperature).first,
            createdAt: now
        )
        try merged.validate()
        return merged
    }
}
