/// How a ``PersonaManager`` behaves.
public struct PersonaManagerConfiguration: Sendable {
    /// The adaptation rules; Victor's by default.
    public var rules: AdaptationRuleSet
    /// Whether ``PersonaLibrary`` personas are available when the store has no persona of that id.
    public var includesBuiltInLibrary: Bool
    /// The most adaptations cached; when full, the cache is emptied and refilled.
    public var adaptationCacheLimit: Int
    /// The lowest score a suggestion must reach to be returned.
    public var minimumSuggestionScore: Double

    /// Creates a configuration.
    public init(
        rules: AdaptationRuleSet = .victor,
        includesBuiltInLibrary: Bool = true,
        adaptationCacheLimit: Int = 4096,
        minimumSuggestionScore: Double = 0.2
    ) {
        self.rules = rules
        self.includesBuiltInLibrary = includesBuiltInLibrary
        self.adaptationCacheLimit = adaptationCacheLimit
        self.minimumSuggestionScore = minimumSuggestionScore
    }
}

/// Counters of a ``PersonaManager``.
public struct PersonaManagerStatistics: Sendable, Hashable {
    /// Adaptations served from the cache.
    public var adaptationHits: Int
    /// Adaptations computed.
    public var adaptationMisses: Int
    /// Merges performed.
    public var merges: Int
    /// Personas read from the store.
    public var storeLoads: Int

    /// Hits ÷ (hits + misses); 0 before any adaptation.
    public var adaptationHitRate: Double {
        let total = adaptationHits + adaptationMisses
        return total == 0 ? 0 : Double(adaptationHits) / Double(total)
    }
}
