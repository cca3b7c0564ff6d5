import Synchronization
import Testing
import VictorLoading

@Suite struct LoaderConcurrencyTests {
    @Test func concurrentFirstAccessesRunTheFactoryOnce() async throws {
        let loader = ComponentLoader()
        let calls = Atomic<Int>(0)
        let key = try loader.register("shared") { () async throws -> Widget in
            calls.add(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(50))
            return Widget("shared")
        }
        let identities = try await withThrowingTaskGroup(of: ObjectIdentifier.self) { group in
            for _ in 0..<1000 { group.addTask { ObjectIdentifier(try await loader.get(key)) } }
            return try await group.reduce(into: [ObjectIdentifier]()) { $0.append($1) }
        }
        #expect(identities.count == 1000)
        #expect(Set(identities).count == 1)
        #expect(calls.load(ordering: .relaxed) == 1)
        #expect(loader.statistics().loads == 1)
    }

    @Test func hammeringAOneSlotCacheNeverYieldsAMissingInstance() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 1))
        let keys = try loader.registerWidgets(4)
        let deadline = ContinuousClock.now + .seconds(1)
        let results = try await withThrowingTaskGroup(of: (gets: Int, wrong: Int).self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var gets = 0
                    var wrong = 0
                    var round = worker
                    // At least a second and at least 5,000 accesses each, however busy the machine.
                    while gets < 5000 || ContinuousClock.now < deadline {
                        let index = round % keys.count
                        let widget = try await loader.get(keys[index])
                        if widget.name != "w\(index)" { wrong += 1 }
                        if round % 7 == 0 { loader.unload(keys[(index + 1) % keys.count].name) }
                        gets += 1
                        round += 1
                    }
                    return (gets, wrong)
                }
            }
            return try await group.reduce(into: [(gets: Int, wrong: Int)]()) { $0.append($1) }
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0.wrong == 0 })
        #expect(loader.loadedKeys.count <= 1)
        let statistics = loader.statistics()
        #expect(statistics.hits + statistics.misses == results.reduce(0) { $0 + $1.gets })
    }

    @Test func concurrentRegistrationsAndAccessesStayConsistent() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 8))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in 0..<200 {
                        let name = "t\(worker).\(index)"
                        let key = try loader.register(name) { Widget(name) }
                        #expect(try await loader.get(key).name == name)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(loader.registeredKeys.count == 800)
        #expect(loader.loadedKeys.count <= 8)
    }
}
