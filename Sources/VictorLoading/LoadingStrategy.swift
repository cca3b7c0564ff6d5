/// When a ``ComponentLoader`` constructs components beyond the one asked for.
public enum LoadingStrategy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Construct a component on first access only (the default).
    case lazy
    /// Loading a component also loads its registered dependents.
    case eager
    /// Once a component has been accessed ``LoaderConfiguration/adaptiveThreshold`` times, its
    /// registered dependents are preloaded.
    case adaptive
}

/// How a ``ComponentLoader`` behaves. Every field has a default.
public struct LoaderConfiguration: Sendable, Hashable {
    /// The loading strategy; it can be changed later with ``ComponentLoader/strategy``.
    public var strategy: LoadingStrategy
    /// The most instances kept loaded at once (at least 1); the least recently used beyond it are
    /// evicted. Pinned components count towards it but are never evicted.
    public var maxCacheSize: Int
    /// Accesses after which the adaptive strategy preloads a component's dependents (at least 1).
    public var adaptiveThreshold: Int
    /// Attributes heap bytes to each load when set: read before and after every factory call.
    public var heapProbe: HeapProbe?

    /// Creates a configuration; the defaults follow the reference implementation.
    public init(
        strategy: LoadingStrategy = .lazy,
        maxCacheSize: Int = 100,
        adaptiveThreshold: Int = 3,
        heapProbe: HeapProbe? = nil
    ) {
        self.strategy = strategy
        self.maxCacheSize = maxCacheSize
        self.adaptiveThreshold = adaptiveThreshold
        self.heapProbe = heapProbe
    }
}
