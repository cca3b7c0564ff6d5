/// Load figures for one component.
public struct ComponentStatistics: Sendable, Hashable {
    /// The component's name.
    public var name: String
    /// Whether an instance is loaded now.
    public var isLoaded: Bool
    /// Whether the component is pinned (never evicted).
    public var isPinned: Bool
    /// Accesses through `get`, hits and misses alike.
    public var accessCount: Int
    /// Times its factory succeeded.
    public var loadCount: Int
    /// Duration of the most recent load, in nanoseconds.
    public var lastLoadNanoseconds: UInt64
    /// Sum of all load durations, in nanoseconds.
    public var totalLoadNanoseconds: UInt64
    /// Heap bytes attributed to its loads, when heap tracking is on.
    public var heapBytes: Int
}

/// A snapshot of a ``ComponentLoader``'s counters.
public struct LoaderStatistics: Sendable, Hashable {
    /// Registered components.
    public var registered: Int
    /// Components loaded now.
    public var loaded: Int
    /// Accesses served from the cache.
    public var hits: Int
    /// Accesses that had to load (or wait for a load).
    public var misses: Int
    /// Successful factory runs.
    public var loads: Int
    /// Failed factory runs (or failed dependencies).
    public var failures: Int
    /// Instances dropped by the cache limit.
    public var evictions: Int
    /// Instances dropped on request.
    public var unloads: Int
    /// Heap bytes attributed to all loads, when heap tracking is on.
    public var heapBytes: Int
    /// Median load duration, in nanoseconds; 0 before the first load. The percentiles are kept to
    /// two significant digits (within 1%), and loads longer than an hour count as an hour.
    public var loadP50Nanoseconds: UInt64
    /// 95th percentile load duration, in nanoseconds.
    public var loadP95Nanoseconds: UInt64
    /// 99th percentile load duration, in nanoseconds.
    public var loadP99Nanoseconds: UInt64

    /// Hits ÷ (hits + misses); 0 before the first access.
    public var hitRate: Double {
        hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses)
    }
}
