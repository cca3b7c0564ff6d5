import CoreMetrics
import VictorDocuments
import VictorLocks

extension PersonaManager {
    /// The cached adaptation of the persona `id` to `context`, or `nil` when there is none (the
    /// persona or this context not seen yet): never touches the store and never suspends, for hot
    /// paths that can fall back to ``adapt(_:to:)-(String,_)``.
    /// - Complexity: O(1): hash lookups without a lock; under the lock for an adaptation cached
    ///   so recently that it is not published yet.
    public func cachedAdaptation(_ id: String, to context: PersonaContext) -> AdaptedPersona? {
        var id = id
        let (hash, ascii) = id.withUTF8 { FastHash.wordHashReportingASCII($0, basis: hashBasis) }
        if let hit = cachedAdaptation(exactID: id, hash: hash, context) { return hit }
        if !ascii {
            let normalized = ExactText.normalized(id)
            if !ExactText.equals(normalized, id) {
                return cachedAdaptation(exactID: normalized, hash: FastHash.wordHash(normalized), context)
            }
        }
        return nil
    }

    private func cachedAdaptation(exactID id: String, hash: UInt64, _ context: PersonaContext) -> AdaptedPersona? {
        if let hit = reads.read({ $0.adaptation(id, hash: hash, context) }) {
            let before = lockFreeAdaptationHits.addReturningStripeValue(1)
            if (before ^ (before &+ 1)) >= Self.metricsBatch { flushMetrics() }
            return hit
        }
        let hit = state.withLock { state -> AdaptedPersona? in
            guard let version = state.personas[id]?.version,
                let adapted = state.adaptations[AdaptationKey(id: id, version: version, context: context)]?.adapted
            else { return nil }
            state.statistics.adaptationHits += 1
            return adapted
        }
        if hit != nil { flushMetrics() }
        return hit
    }

    /// The persona adapted to `context` by the configured rules; cached on persona id, version and
    /// context.
    ///
    /// A cached adaptation is returned without suspending, as ``cachedAdaptation(_:to:)`` returns
    /// it, on the caller's executor; otherwise the persona is loaded (see ``load(_:)``) and adapted.
    /// - Throws: ``PersonaError/Code/notFound`` when there is no such persona.
    /// - Complexity: O(1) when cached.
    @inlinable
    nonisolated(nonsending) public func adapt(
        _ id: String,
        to context: PersonaContext
    ) async throws(PersonaError)
        -> AdaptedPersona
    {
        // Inlined into the caller, a cached adaptation allocates no asynchronous frame.
        if let hit = cachedAdaptation(id, to: context) { return hit }
        return try await adaptUncached(id, context)
    }

    /// ``adapt(_:to:)-(String,_)`` past the cache: the persona loaded, adapted and cached.
    @usableFromInline
    nonisolated(nonsending) func adaptUncached(
        _ id: String,
        _ context: PersonaContext
    ) async throws(PersonaError)
        -> AdaptedPersona
    {
        adaptAndCache(try await load(id), context)
    }

    /// `persona` adapted to `context`. Served from the cache only when `persona` is exactly the
    /// manager's current version of it; an edited or unsaved persona is adapted afresh.
    public func adapt(_ persona: Persona, to context: PersonaContext) -> AdaptedPersona {
        let key = AdaptationKey(id: persona.id, version: persona.version, context: context)
        let hit = state.withLock { state -> AdaptedPersona? in
            guard let adapted = state.adaptations[key]?.adapted, adapted.base == persona else { return nil }
            state.statistics.adaptationHits += 1
            return adapted
        }
        if let hit {
            flushMetrics()
            return hit
        }
        return adaptAndCache(persona, context)
    }

    private func adaptAndCache(_ persona: Persona, _ context: PersonaContext) -> AdaptedPersona {
        let adapted = Self.adapt(persona, to: context, rules: configuration.rules)
        let limit = configuration.adaptationCacheLimit
        state.withLock { state in
            state.statistics.adaptationMisses += 1
            // Only the manager's current version is cached, so a cache entry is never an unsaved edit.
            guard limit > 0, state.personas[persona.id] == persona, let ordinal = state.ordinals[persona.id] else {
                return
            }
            if state.adaptations.count >= limit { state.adaptations.removeAll(keepingCapacity: true) }
            state.adaptations[AdaptationKey(id: persona.id, version: persona.version, context: context)] = (
                ordinal, adapted
            )
            publishAdaptations(&state)
        }
        metrics.adaptationMisses.increment()
        publish(
            PersonaAdapted(
                personaID: persona.id,
                version: persona.version,
                context: context.description,
                rules: adapted.adjustments.map(\.rule)
            )
        )
        return adapted
    }

    /// Applies every matching rule of `rules` to `persona`, in order; no caching, no events.
    public static func adapt(
        _ persona: Persona,
        to context: PersonaContext,
        rules: AdaptationRuleSet
    )
        -> AdaptedPersona
    {
        var personality = persona.personality
        var style = persona.communicationStyle
        var expertise = persona.expertise
        var constraints = persona.constraints
        var adjustments: [AppliedAdjustment] = []
        var additions: [String] = []
        for rule in rules.rules where rule.matches(context) {
            var changes: [AdjustmentChange] = []
            if let value = rule.personality, value != personality {
                changes.append(.personality(from: personality, to: value))
                personality = value
            }
            if let value = rule.communicationStyle, value != style {
                changes.append(.communicationStyle(from: style, to: value))
                style = value
            }
            var added: [String] = []
            for entry in rule.addExpertise where !expertise.contains(entry) {
                expertise.append(entry)
                added.append(entry)
            }
            if !added.isEmpty { changes.append(.addedExpertise(added)) }
            if let value = rule.maxToolCalls, value != constraints.maxToolCalls {
                changes.append(.maxToolCalls(from: constraints.maxToolCalls, to: value))
                constraints.maxToolCalls = value
            }
            if let value = rule.responseLength, value != constraints.responseLength {
                changes.append(.responseLength(from: constraints.responseLength, to: value))
                constraints.responseLength = value
            }
            if let value = rule.explanationDepth, value != constraints.explanationDepth {
                changes.append(.explanationDepth(from: constraints.explanationDepth, to: value))
                constraints.explanationDepth = value
            }
            if !rule.addForbiddenTools.isEmpty {
                let forbidden = rule.addForbiddenTools.filter { constraints.forbiddenTools.insert($0).inserted }
                if !forbidden.isEmpty {
                    constraints.preferredTools.subtract(forbidden)
                    changes.append(.forbiddenTools(forbidden))
                }
            }
            if !rule.addPreferredTools.isEmpty {
                let preferred = rule.addPreferredTools.filter {
                    !constraints.forbiddenTools.contains($0) && constraints.preferredTools.insert($0).inserted
                }
                if !preferred.isEmpty { changes.append(.preferredTools(preferred)) }
            }
            if !rule.promptAdditions.isEmpty { additions += rule.promptAdditions }
            adjustments.append(AppliedAdjustment(rule: rule.name, reason: rule.reason, changes: changes))
        }
        return AdaptedPersona(
            base: persona,
            context: context,
            personality: personality,
            communicationStyle: style,
            expertise: expertise,
            constraints: constraints,
            adjustments: adjustments,
            traits: traits(persona, context),
            promptAdditions: additions
        )
    }

    /// Victor's dynamic traits: complexity handling, efficiency focus under high urgency, and the
    /// expertise the task type activates.
    static func traits(_ persona: Persona, _ context: PersonaContext) -> [DynamicTrait] {
        let complexity = context.complexity ?? "medium"
        var traits = [
            DynamicTrait(
                name: "task_complexity_handling",
                value: complexity,
                confidence: 0.9,
                reason: "based on the complexity level"
            )
        ]
        if context.urgency == "high" {
            traits.append(
                DynamicTrait(
                    name: "efficiency_focus",
                    value: "true",
                    confidence: 0.95,
                    reason: "high urgency requires efficient responses"
                )
            )
        }
        if let task = context.taskType {
            let relevant = persona.expertise.filter { task.containsBytes(of: $0.lowercased()) }
            if !relevant.isEmpty {
                traits.append(
                    DynamicTrait(
                        name: "activated_expertise",
                        value: relevant.joined(separator: ", "),
                        confidence: 0.85,
                        reason: "expertise relevant to the task type"
                    )
                )
            }
        }
        return traits
    }
}
