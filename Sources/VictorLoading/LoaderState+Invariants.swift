extension LoaderState {
    /// Every rule the state keeps between transitions, as a list of broken ones (empty when all
    /// hold). Walks the whole state: O(components).
    ///
    /// - A component is `unregistered` exactly when it has no factory, and `loading` exactly
    ///   when a pending load exists for it.
    /// - The recency list links exactly the loaded, unpinned components, consistently in both
    ///   directions, from ``newest`` to ``oldest``.
    /// - The counters match the components: loaded pinned and unpinned, pinned registrations.
    /// - At most ``maxCacheSize`` instances are loaded.
    func brokenInvariants() -> [String] {
        var broken: [String] = []
        var pinnedLoadedFound = 0
        var pinnedFound = 0
        var unpinnedLoadedFound = 0
        for (i, slot) in slots.enumerated() {
            let index = Int32(i)
            switch slot.phase {
            case .unregistered:
                if slot.factory != nil { broken.append("'\(slot.name)' has a factory but is unregistered") }
            case .loading:
                if pending[index] == nil { broken.append("'\(slot.name)' is loading with no pending load") }
            case .idle, .loaded:
                if slot.factory == nil { broken.append("'\(slot.name)' has no factory but is \(slot.phase)") }
                if pending[index] != nil { broken.append("'\(slot.name)' has a pending load but is \(slot.phase)") }
            }
            let shouldPublish = slot.instance != nil && isReadable(i)
            if reads.isPublished(index) != shouldPublish {
                broken.append("'\(slot.name)' is \(shouldPublish ? "not " : "")published for lock-free reads")
            }
            if slot.isPinned { pinnedFound += 1 }
            if slot.instance != nil {
                if slot.isPinned { pinnedLoadedFound += 1 } else { unpinnedLoadedFound += 1 }
            }
        }
        var cursor = newest
        var previous: Int32 = -1
        var linked = 0
        while cursor >= 0 && linked <= slots.count {
            let slot = slots[Int(cursor)]
            if slot.instance == nil || slot.isPinned {
                broken.append("'\(slot.name)' is listed but not loaded and unpinned")
            }
            if slot.newer != previous { broken.append("'\(slot.name)' links back to \(slot.newer), not \(previous)") }
            previous = cursor
            cursor = slot.older
            linked += 1
        }
        if previous != oldest { broken.append("the recency list ends at \(previous), not at oldest \(oldest)") }
        if linked != unpinnedLoaded {
            broken.append("the recency list holds \(linked), unpinnedLoaded is \(unpinnedLoaded)")
        }
        if unpinnedLoadedFound != unpinnedLoaded {
            broken.append("\(unpinnedLoadedFound) unpinned components are loaded, unpinnedLoaded is \(unpinnedLoaded)")
        }
        if pinnedLoadedFound != pinnedLoaded {
            broken.append("\(pinnedLoadedFound) pinned components are loaded, pinnedLoaded is \(pinnedLoaded)")
        }
        if pinnedFound != pinnedCount {
            broken.append("\(pinnedFound) components are pinned, pinnedCount is \(pinnedCount)")
        }
        if loadedCount > maxCacheSize { broken.append("\(loadedCount) loaded, above the limit \(maxCacheSize)") }
        for index in pending.keys where Int(index) >= slots.count || !isLoading(index) {
            broken.append("a pending load for \(index), which is not loading")
        }
        return broken
    }

    private func isLoading(_ index: Int32) -> Bool {
        if case .loading = slots[Int(index)].phase { return true }
        return false
    }

    /// Stops a debug build (and so every test run) at the first transition that breaks an
    /// invariant. Large states are checked only up to 4,096 components, so tests of a million
    /// registrations stay linear.
    @inline(__always)
    func assertInvariants(_ transition: @autoclosure () -> String) {
        #if DEBUG
        guard slots.count <= 4_096 else { return }
        let broken = brokenInvariants()
        assert(broken.isEmpty, "after \(transition()): \(broken.joined(separator: "; "))")
        #endif
    }
}
