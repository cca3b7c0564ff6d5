import Synchronization
import VictorEvents
import VictorLocks
import VictorTelemetry

extension ComponentLoader {
    // MARK: Management

    /// Loads the named components (and their dependencies) without counting an access.
    /// - Throws: the first error met; components loaded before it stay loaded.
    public func preload(_ names: [String]) async throws(LoaderError) {
        for name in names {
            let (index, _) = try registeredIndex(name)
            _ = try await load(index, countsAsAccess: false, requiredBy: nil)
        }
    }

    /// Loads every registered component, in registration order (subject to the cache limit).
    public func preloadAll() async throws(LoaderError) {
        try await preload(registeredKeys)
    }

    /// Drops the named component's instance; returns whether it was loaded.
    @discardableResult
    public func unload(_ name: String) -> Bool {
        let unloaded = state.withLock { state in
            guard let index = state.names.index(of: name) else { return false }
            return state.unload(index)
        }
        if unloaded { bus?.publish(ComponentUnloaded(component: name)) }
        return unloaded
    }

    /// Drops every loaded instance, pinned ones included. Registrations stay.
    public func clear() {
        let names = state.withLock { state in
            state.loadedIndices.compactMap { index in state.unload(index) ? state.slots[Int(index)].name : nil }
        }
        if let bus { for name in names { bus.publish(ComponentUnloaded(component: name)) } }
    }

    /// Exempts a component from eviction, or makes it evictable again.
    /// - Throws: ``LoaderError/Code/notRegistered``, or ``LoaderError/Code/invalidArgument``
    ///   when pinning would leave no room in the cache.
    public func setPinned(_ name: String, _ pinned: Bool) throws(LoaderError) {
        let (index, _) = try registeredIndex(name)
        let evicted = try state.withLock { state throws(LoaderError) in try state.setPinned(index, pinned) }
        announceEvictions(evicted)
    }

    /// Whether the named component has an instance loaded now.
    public func isLoaded(_ name: String) -> Bool {
        state.withLock { state in
            guard let index = state.names.index(of: name) else { return false }
            return state.slots[Int(index)].instance != nil
        }
    }

    /// Names of loaded components: pinned first, then most to least recently used.
    public var loadedKeys: [String] {
        state.withLock { state in state.loadedIndices.map { state.slots[Int($0)].name } }
    }

    /// Names of registered components, in registration order.
    public var registeredKeys: [String] {
        state.withLock { state in state.registrationOrder.map { state.slots[Int($0)].name } }
    }

    // MARK: Statistics

    /// A snapshot of the loader's counters and load-time percentiles.
    public func statistics() -> LoaderStatistics {
        state.withLock { state in
            LoaderStatistics(
                registered: state.registrationOrder.count,
                loaded: state.loadedCount,
                hits: state.hits + state.reads.totalHits,
                misses: state.misses,
                loads: state.loads,
                failures: state.failures,
                evictions: state.evictions,
                unloads: state.unloads,
                heapBytes: state.heapBytes,
                loadP50Nanoseconds: state.loadTimes.percentile(50),
                loadP95Nanoseconds: state.loadTimes.percentile(95),
                loadP99Nanoseconds: state.loadTimes.percentile(99)
            )
        }
    }

    /// Figures for the named component, or `nil` when it is not registered.
    public func statistics(for name: String) -> ComponentStatistics? {
        state.withLock { state in
            guard let index = state.names.index(of: name), state.slots[Int(index)].isRegistered else { return nil }
            let slot = state.slots[Int(index)]
            let record = state.records[index] ?? LoadRecord()
            return ComponentStatistics(
                name: name,
                isLoaded: slot.instance != nil,
                isPinned: slot.isPinned,
                accessCount: state.accesses(Int(index)),
                loadCount: record.loads,
                lastLoadNanoseconds: record.lastLoadNanoseconds,
                totalLoadNanoseconds: record.totalLoadNanoseconds,
                heapBytes: record.heapBytes
            )
        }
    }
}
