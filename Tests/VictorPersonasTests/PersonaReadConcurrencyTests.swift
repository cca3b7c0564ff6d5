import Testing
import VictorDocuments
import VictorLocks
import VictorTestSupport

@testable import VictorPersonas

/// Lock-free cached loads and adaptations racing a writer that updates and invalidates.
@Suite struct PersonaReadConcurrencyTests {
    /// A persona whose description names its version, so a reader can tell a whole one.
    static func isWhole(_ persona: Persona) -> Bool {
        persona.id == "racer" && persona.description == "version \(persona.version)"
    }

    @Test func readersRacingAWriterSeeWholePersonasOfCurrentVersionsAndTheBoundHolds() async throws {
        let limit = 8
        let manager = PersonaManager(configuration: .init(adaptationCacheLimit: limit))
        var first = samplePersona("racer")
        first.constraints.maxToolCalls = nil
        first.description = "version 1"
        try await manager.create(first)
        _ = try await manager.load("racer")
        let stop = SharedFlag()
        let newest = SharedNumber(1)
        let contexts = (0..<12).map { PersonaContext(taskType: "debugging", other: ["n": String($0)]) }
        let outcomes = try await withThrowingTaskGroup(of: (reads: Int, bad: Int).self) { group in
            for reader in 0..<4 {
                group.addTask {
                    var reads = 0
                    var bad = 0
                    var lastVersion = 0
                    while !stop.isRaised || reads < 2_000 {
                        let floor = newest.load()
                        let context = contexts[(reads + reader) % contexts.count]
                        if let persona = manager.cachedPersona("racer") {
                            // Whole, not older than what was stored before this read began, never
                            // older than what this reader saw.
                            if !Self.isWhole(persona) || persona.version < floor || persona.version < lastVersion {
                                bad += 1
                            }
                            lastVersion = max(lastVersion, persona.version)
                        }
                        if let adapted = manager.cachedAdaptation("racer", to: context) {
                            // A cached adaptation is of a version at least as new as the reader's floor.
                            if !Self.isWhole(adapted.base) || adapted.base.version < floor || adapted.context != context
                            {
                                bad += 1
                            }
                        } else if reads % 3 == 0 {
                            let adapted = try await manager.adapt("racer", to: context)
                            if !Self.isWhole(adapted.base) || adapted.base.version < floor { bad += 1 }
                        }
                        reads += 1
                        // Readers make room for the writer on a pool with fewer threads than tasks.
                        if reads % 64 == 0 { await Task.yield() }
                    }
                    return (reads, bad)
                }
            }
            group.addTask {
                var violations = 0
                for step in 0..<300 {
                    if step % 25 == 24 {
                        manager.invalidate("racer")
                    } else {
                        var next = try await manager.load("racer")
                        next.description = "version \(next.version + 1)"
                        let stored = try await manager.update(next)
                        newest.store(stored.version)
                    }
                    let (cached, published, broken) = (
                        manager.state.withLock { $0.adaptations.count },
                        manager.reads.read { $0.adaptations.count },
                        manager.state.withLock { $0.invariantViolations }
                    )
                    if cached > limit || published > limit || !broken.isEmpty { violations += 1 }
                    await Task.yield()
                }
                stop.raise()
                return (0, violations)
            }
            return try await group.reduce(into: [(reads: Int, bad: Int)]()) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0.bad == 0 })
        #expect(outcomes.map(\.reads).reduce(0, +) >= 8_000)
        let statistics = manager.statistics
        #expect(statistics.adaptationHits + statistics.adaptationMisses > 0)
    }

    @Test func aChangedPersonaIsNeverServedStaleOnceTheChangeReturns() async throws {
        let manager = PersonaManager()
        var persona = samplePersona("fresh")
        persona.description = "version 1"
        try await manager.create(persona)
        let context = PersonaContext(taskType: "debugging")
        for _ in 0..<50 {
            var current = try await manager.load("fresh")
            _ = try await manager.adapt("fresh", to: context)
            #expect(manager.cachedAdaptation("fresh", to: context)?.base.version == current.version)
            current.description = "version \(current.version + 1)"
            let stored = try await manager.update(current)
            #expect(manager.cachedPersona("fresh")?.version == stored.version)
            // The adaptation of the old version is gone from what readers see.
            #expect(manager.cachedAdaptation("fresh", to: context) == nil)
        }
        manager.invalidate()
        #expect(manager.cachedPersona("fresh") == nil)
    }

    @Test func adaptationsAreServedForTheirOwnPersonaOnlyAndNotAfterItIsForgotten() async throws {
        let manager = PersonaManager()
        for id in ["first", "second"] { try await manager.create(samplePersona(id)) }
        let context = PersonaContext(taskType: "debugging")
        let first = try await manager.adapt("first", to: context)
        #expect(manager.cachedAdaptation("second", to: context) == nil)
        let second = try await manager.adapt("second", to: context)
        #expect(manager.cachedAdaptation("first", to: context) === first)
        #expect(manager.cachedAdaptation("second", to: context) === second)
        manager.invalidate("first")
        #expect(manager.cachedAdaptation("first", to: context) == nil)
        #expect(manager.cachedAdaptation("second", to: context) === second)
        // Loaded again, the persona is cached afresh: its old adaptation does not come back.
        _ = try await manager.load("first")
        #expect(manager.cachedAdaptation("first", to: context) == nil)
        #expect(try await manager.adapt("first", to: context) !== first)
    }

    @Test func cachingThePersonaCachedAlreadyKeepsItsOrdinalAndAdaptationsAndAnotherVersionDropsThem() {
        var state = PersonaManager.State()
        let persona = samplePersona("kept")
        state.cache(persona, as: "kept")
        let ordinal = state.ordinals["kept"]
        let key = PersonaManager.AdaptationKey(id: "kept", version: persona.version, context: .empty)
        state.adaptations[key] = (ordinal!, PersonaManager.adapt(persona, to: .empty, rules: .victor))
        // A second load of the same persona (two loads racing) changes nothing.
        state.cache(persona, as: "kept")
        #expect(state.ordinals["kept"] == ordinal)
        #expect(state.adaptations.count == 1)
        #expect(state.invariantViolations.isEmpty)
        // Another version replaces it: a new ordinal, and the old version's adaptations go.
        var next = persona
        next.version += 1
        state.cache(next, as: "kept")
        #expect(state.ordinals["kept"] != ordinal)
        #expect(state.adaptations.isEmpty)
        #expect(state.invariantViolations.isEmpty)
    }

    @Test func anOlderStoredVersionArrivingLateNeverReplacesANewerCachedOne() async throws {
        let manager = PersonaManager()
        var persona = samplePersona("ordered")
        persona.description = "version 1"
        try await manager.create(persona)
        var current = try await manager.load("ordered")
        current.description = "version 2"
        let second = try await manager.update(current)
        var next = second
        next.description = "version 3"
        let third = try await manager.update(next)
        // The caching of the save of version 2 runs after that of version 3 (two updates racing).
        manager.didStore(second)
        #expect(manager.cachedPersona("ordered") == third)
        #expect(manager.state.withLock { $0.invariantViolations }.isEmpty)
    }
}
