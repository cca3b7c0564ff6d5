import Testing
import VictorTestSupport

@testable import VictorLoading

/// The loader's state machine, driven directly: phases, the recency list, the cache bound.
@Suite struct LoaderStateTests {
    func state(maxCacheSize: Int = 3, strategy: LoadingStrategy = .lazy) -> LoaderState {
        LoaderState(configuration: LoaderConfiguration(strategy: strategy, maxCacheSize: maxCacheSize))
    }

    func factory(_ value: Int = 0) -> AnyFactory { Factory<Int>(.plain { value }) }

    func phaseName(_ state: LoaderState, _ index: Int32) -> String {
        switch state.slots[Int(index)].phase {
        case .unregistered: "unregistered"
        case .idle: "idle"
        case .loading: "loading"
        case .loaded: "loaded"
        }
    }

    /// Loads `index` to completion through the transitions the loader uses.
    @discardableResult
    func load(_ state: inout LoaderState, _ index: Int32) -> LoaderState.Completion? {
        guard case .own = state.beginLoad(index, countsAsAccess: true, requiredBy: nil) else { return nil }
        return state.finishLoad(index, instance: Instance(Int(index)), nanoseconds: 1, heapBytes: 0)
    }

    @Test func aComponentMovesThroughItsPhases() throws {
        var state = state()
        let a = try state.register(name: "a", factory: factory(), dependencies: ["b"], pinned: false)
        let b = try #require(state.names.index(of: "b"))
        #expect(phaseName(state, b) == "unregistered")
        #expect(phaseName(state, a) == "idle")
        guard case .own = state.beginLoad(a, countsAsAccess: true, requiredBy: nil) else {
            Issue.record("the first caller does not own the load")
            return
        }
        #expect(phaseName(state, a) == "loading")
        guard case .join = state.beginLoad(a, countsAsAccess: true, requiredBy: nil) else {
            Issue.record("a second caller does not join the load in flight")
            return
        }
        _ = state.finishLoad(a, instance: Instance(1), nanoseconds: 5, heapBytes: 0)
        #expect(phaseName(state, a) == "loaded")
        let unloaded = state.unload(a)
        #expect(unloaded)
        #expect(phaseName(state, a) == "idle")
        guard case .failed(let error) = state.beginLoad(b, countsAsAccess: true, requiredBy: "a") else {
            Issue.record("an unregistered dependency loads")
            return
        }
        #expect(error.code == .missingDependency)
        #expect(state.brokenInvariants().isEmpty)
    }

    @Test func aFailedOrWithdrawnLoadReturnsToIdle() throws {
        var state = state()
        let a = try state.register(name: "a", factory: factory(), dependencies: [], pinned: false)
        _ = state.beginLoad(a, countsAsAccess: true, requiredBy: nil)
        let failed = state.failLoad(a)
        #expect(failed.waiters.isEmpty && !failed.abandoned)
        #expect(phaseName(state, a) == "idle")
        _ = state.beginLoad(a, countsAsAccess: true, requiredBy: nil)
        let joined = state.withdrawLoad(a)
        #expect(joined.isEmpty)
        #expect(phaseName(state, a) == "idle")
        #expect(state.failures == 1)
        #expect(state.brokenInvariants().isEmpty)
    }

    @Test func theLeastRecentlyUsedIsEvictedFirstAndPinnedNever() throws {
        var state = state(maxCacheSize: 2)
        let keys = try (0..<4).map {
            try state.register(name: "c\($0)", factory: factory(), dependencies: [], pinned: $0 == 0)
        }
        load(&state, keys[0])
        load(&state, keys[1])
        let evicted = load(&state, keys[2])?.evicted
        #expect(evicted == ["c1"])
        let hit = state.hit(keys[2])
        #expect(hit != nil)
        let evictedNext = load(&state, keys[3])?.evicted
        #expect(evictedNext == ["c2"])
        #expect(state.loadedIndices == [keys[0], keys[3]])
        #expect(state.brokenInvariants().isEmpty)
    }

    @Test func randomOperationSequencesKeepEveryInvariant() throws {
        var generator = SplitMix(state: 42)
        for round in 0..<50 {
            var state = state(maxCacheSize: Int.random(in: 1...5, using: &generator))
            var keys: [Int32] = []
            for operation in 0..<300 {
                let index = keys.randomElement(using: &generator)
                switch Int.random(in: 0..<8, using: &generator) {
                case 0 where keys.count < 12:
                    let pinned = Bool.random(using: &generator) && state.pinnedCount < state.maxCacheSize
                    keys.append(
                        try state.register(
                            name: "r\(round)-\(operation)",
                            factory: factory(),
                            dependencies: [],
                            pinned: pinned
                        )
                    )
                case 1, 2: if let index { load(&state, index) }
                case 3: if let index { _ = state.hit(index) }
                case 4: if let index { _ = state.quietHit(index) }
                case 5: if let index { _ = state.unload(index) }
                case 6: if let index { _ = try? state.setPinned(index, Bool.random(using: &generator)) }
                default:
                    if let index, case .own = state.beginLoad(index, countsAsAccess: false, requiredBy: nil) {
                        _ = state.failLoad(index)
                    }
                }
                let broken = state.brokenInvariants()
                #expect(broken.isEmpty, "round \(round), operation \(operation): \(broken)")
                if !broken.isEmpty { return }
            }
        }
    }

    @Test func aCorruptedRecencyListIsReported() throws {
        var state = state()
        let a = try state.register(name: "a", factory: factory(), dependencies: [], pinned: false)
        let b = try state.register(name: "b", factory: factory(), dependencies: [], pinned: false)
        load(&state, a)
        load(&state, b)
        state.slots[Int(a)].newer = -1
        #expect(!state.brokenInvariants().isEmpty)
        state.slots[Int(a)].newer = b
        state.unpinnedLoaded = 5
        #expect(state.brokenInvariants().contains { $0.contains("unpinnedLoaded is 5") })
    }
}
