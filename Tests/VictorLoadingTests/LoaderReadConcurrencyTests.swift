import Synchronization
import Testing
import VictorLoading

/// A value whose fields are checked against each other: a torn or freed instance would show.
final class Stamped: Sendable {
    let component: Int
    let generation: Int
    let check: Int

    init(component: Int, generation: Int) {
        self.component = component
        self.generation = generation
        check = component &* 1_000_003 &+ generation &* 31 &+ 7
    }

    var isComplete: Bool { check == component &* 1_000_003 &+ generation &* 31 &+ 7 }
}

/// Counts instances alive, to see withdrawn instances released.
final class Tracked: Sendable {
    static let alive = Atomic<Int>(0)
    let name: String
    init(_ name: String) {
        self.name = name
        Self.alive.add(1, ordering: .relaxed)
    }
    deinit { Self.alive.subtract(1, ordering: .relaxed) }
}

/// Lock-free cached reads racing writers that load, evict, unload and clear.
@Suite struct LoaderReadConcurrencyTests {
    @Test func readersRacingWritersSeeCompleteInstancesAndTheBoundHolds() async throws {
        let limit = 3
        let loader = ComponentLoader(configuration: .init(maxCacheSize: limit))
        let counters = Generations(count: 6)
        let keys = try (0..<6).map { component in
            try loader.register("c\(component)") { () -> Stamped in
                Stamped(component: component, generation: counters.next(component))
            }
        }
        let stop = Flag(false)
        let readers = 4
        let outcomes = try await withThrowingTaskGroup(of: (reads: Int, bad: Int).self) { group in
            for reader in 0..<readers {
                group.addTask {
                    var reads = 0
                    var bad = 0
                    var round = reader
                    while !stop.isOn || reads < 2_000 {
                        // Mostly two hot components, sometimes the others.
                        let component = round % 5 == 0 ? round % keys.count : round % 2
                        let value = try await loader.get(keys[component])
                        // Complete, of the component asked for, from a load that happened (old or new).
                        if !value.isComplete || value.component != component || value.generation < 1
                            || value.generation > counters.current(component)
                        {
                            bad += 1
                        }
                        reads += 1
                        round += 1
                    }
                    return (reads, bad)
                }
            }
            group.addTask {
                var violations = 0
                for step in 0..<400 {
                    switch step % 4 {
                    case 0: _ = try await loader.get(keys[2 + (step / 4) % 4])
                    case 1: loader.unload("c\(step % keys.count)")
                    case 2: _ = try await loader.get(keys[(step / 4) % keys.count])
                    default: if step % 40 == 3 { loader.clear() } else { _ = try await loader.get(keys[5]) }
                    }
                    if loader.loadedKeys.count > limit || loader.statistics().loaded > limit { violations += 1 }
                    await Task.yield()
                }
                stop.set(true)
                return (0, violations)
            }
            return try await group.reduce(into: [(reads: Int, bad: Int)]()) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0.bad == 0 })
        #expect(loader.loadedKeys.count <= limit)
        let statistics = loader.statistics()
        #expect(statistics.loaded <= limit)
        #expect(statistics.hits + statistics.misses >= outcomes.reduce(0) { $0 + $1.reads })
    }

    @Test func readsByNameRacingRegistrationsAndEvictionsSeeTheirOwnComponent() async throws {
        let limit = 2
        let loader = ComponentLoader(configuration: .init(maxCacheSize: limit))
        let counters = Generations(count: 2)
        for component in 0..<2 {
            try loader.register("hot/\(component)") { () -> Stamped in
                Stamped(component: component, generation: counters.next(component))
            }
        }
        let stop = Flag(false)
        let bad = try await withThrowingTaskGroup(of: Int.self) { group in
            for reader in 0..<3 {
                group.addTask {
                    var bad = 0
                    var round = reader
                    var reads = 0
                    while !stop.isOn || reads < 1_000 {
                        let component = round % 2
                        let value = try await loader.get("hot/\(component)") as? Stamped
                        if value == nil || value?.isComplete != true || value?.component != component { bad += 1 }
                        round += 1
                        reads += 1
                        // Readers that never suspend could keep the writer off the thread pool.
                        if reads % 64 == 0 { await Task.yield() }
                    }
                    return bad
                }
            }
            group.addTask {
                // Registrations grow the name index many times over while the readers look names up.
                for i in 0..<2_000 {
                    try loader.register("cold/\(i)") { Widget("cold/\(i)") }
                    if i % 100 == 0 {
                        // Each load of a cold component evicts a hot one (the bound is 2).
                        loader.unload("hot/\(i / 100 % 2)")
                        _ = try await loader.get("cold/\(i)")
                        await Task.yield()
                    }
                }
                stop.set(true)
                return loader.loadedKeys.count > limit ? 1 : 0
            }
            return try await group.reduce(0, +)
        }
        #expect(bad == 0)
        #expect(loader.registeredKeys.count == 2_002)
        for i in stride(from: 0, to: 2_000, by: 199) {
            #expect((try await loader.get("cold/\(i)") as? Widget)?.name == "cold/\(i)")
        }
    }

    @Test func aWithdrawnInstanceIsReleasedOnceNoReaderHoldsIt() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 1))
        let before = Tracked.alive.load(ordering: .relaxed)
        let first = try loader.register("first") { Tracked("first") }
        let second = try loader.register("second") { Tracked("second") }
        do {
            let value = try await loader.get(first)
            #expect(try await loader.get(first) === value)  // the second get is a lock-free read
            _ = try await loader.get(second)  // evicts `first` while this caller still holds it
            #expect(value.name == "first")
            #expect(!loader.isLoaded("first"))
        }
        loader.unload("second")
        // Neither instance is referenced any more: both were released, not leaked.
        #expect(Tracked.alive.load(ordering: .relaxed) == before)
    }

    @Test func lockFreeHitsCountAndGiveASecondChanceBeforeEviction() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 2))
        let keys = try loader.registerWidgets(3)
        _ = try await loader.get(keys[0])
        _ = try await loader.get(keys[1])
        for _ in 0..<5 { _ = try await loader.get(keys[0]) }  // lock-free hits on the oldest
        _ = try await loader.get(keys[2])
        #expect(loader.isLoaded("w0"))
        #expect(!loader.isLoaded("w1"))
        #expect(loader.loadedKeys == ["w2", "w0"])
        let statistics = loader.statistics()
        #expect(statistics.hits == 5)
        #expect(statistics.misses == 3)
        #expect(loader.statistics(for: "w0")?.accessCount == 6)
    }

    @Test func theSeedsLeastRecentlyUsedOrderStaysExactWithConcurrentReadersElsewhere() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 3))
        let hot = try loader.register("hot", pinned: true) { Widget("hot") }
        let keys = try loader.registerWidgets(10)
        _ = try await loader.get(hot)
        let stop = Flag(false)
        let reader = Task {
            var count = 0
            while !stop.isOn {
                _ = try await loader.get(hot)
                count += 1
            }
            return count
        }
        for key in keys { _ = try await loader.get(key) }
        stop.set(true)
        _ = try await reader.value
        // The pinned component holds one of the three places; the two most recent hold the rest.
        #expect(loader.loadedKeys == ["hot", "w9", "w8"])
    }
}

/// Per-component generation counters for factories.
final class Generations: Sendable {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    let counters: [Counter]
    init(count: Int) { counters = (0..<count).map { _ in Counter() } }
    func next(_ component: Int) -> Int { counters[component].value.add(1, ordering: .sequentiallyConsistent).newValue }
    func current(_ component: Int) -> Int { counters[component].value.load(ordering: .sequentiallyConsistent) }
}
