import Testing
import VictorEvents
import VictorLoading
import VictorLocks
import VictorTestSupport

@Suite struct LoaderStatisticsTests {
    @Test func countsHitsMissesAndAccesses() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 1))
        let keys = try loader.registerWidgets(2)
        _ = try await loader.get(keys[0])  // miss
        _ = try await loader.get(keys[0])  // hit
        _ = try await loader.get(keys[0])  // hit
        _ = try await loader.get(keys[1])  // miss, evicts w0
        _ = try await loader.get(keys[0])  // miss
        let statistics = loader.statistics()
        #expect(statistics.hits == 2)
        #expect(statistics.misses == 3)
        #expect(statistics.loads == 3)
        #expect(statistics.evictions == 2)
        #expect(statistics.registered == 2)
        #expect(statistics.loaded == 1)
        #expect(statistics.hitRate == 0.4)

        let w0 = try #require(loader.statistics(for: "w0"))
        #expect(w0.accessCount == 4)
        #expect(w0.loadCount == 2)
        #expect(w0.totalLoadNanoseconds >= w0.lastLoadNanoseconds)
        #expect(loader.statistics(for: "nope") == nil)
    }

    @Test func loadTimePercentilesAreOrdered() async throws {
        let loader = ComponentLoader()
        for index in 0..<20 {
            try loader.register("c\(index)") { () async throws -> Widget in
                try await Task.sleep(for: .microseconds(100 * (index + 1)))
                return Widget("c\(index)")
            }
        }
        try await loader.preloadAll()
        let statistics = loader.statistics()
        #expect(statistics.loadP50Nanoseconds >= 100_000)
        #expect(statistics.loadP50Nanoseconds <= statistics.loadP95Nanoseconds)
        #expect(statistics.loadP95Nanoseconds <= statistics.loadP99Nanoseconds)
    }

    @Test func aHeapProbeAttributesBytesToEachLoad() async throws {
        // A probe that reports 1,000 bytes more on every read: each load sees one read before
        // its factory and one after.
        let reads = Locked(0)
        let probe = HeapProbe(name: "counting") {
            reads.withLock {
                $0 += 1
                return $0 * 1_000
            }
        }
        let loader = ComponentLoader(configuration: .init(heapProbe: probe))
        try loader.register("a") { 1 }
        try loader.register("b") { 2 }
        _ = try await loader.get("a")
        _ = try await loader.get("b")
        #expect(try #require(loader.statistics(for: "a")).heapBytes == 1_000)
        #expect(loader.statistics().heapBytes == 2_000)

        let untracked = ComponentLoader()
        try untracked.register("big") { [UInt8](repeating: 7, count: 1 << 20) }
        _ = try await untracked.get("big")
        #expect(untracked.statistics().heapBytes == 0)
    }

    @Test func lifecycleEventsArePublished() async throws {
        let bus = EventBus()
        let seen = EventRecorder<String>()
        bus.subscribeToAll { event in
            let label: String
            switch event {
            case let event as ComponentRegistered: label = "registered \(event.component)"
            case let event as ComponentLoaded: label = "loaded \(event.component)"
            case let event as ComponentEvicted: label = "evicted \(event.component)"
            case let event as ComponentUnloaded: label = "unloaded \(event.component)"
            case let event as ComponentLoadFailed: label = "failed \(event.component)"
            default: label = "other"
            }
            seen.record(label)
        }
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 1), eventBus: bus)
        let a = try loader.register("a") { Widget("a") }
        let b = try loader.register("b") { Widget("b") }
        try loader.register("bad") { () throws -> Widget in throw FactoryFailure() }
        _ = try await loader.get(a)
        _ = try await loader.get(b)
        loader.unload("b")
        _ = try? await loader.get("bad")
        #expect(
            seen.events == [
                "registered a", "registered b", "registered bad",
                "loaded a", "loaded b", "evicted a", "unloaded b", "failed bad",
            ]
        )
    }
}
