import Testing
import VictorLoading

@Suite struct LoaderStrategyTests {
    /// db ← api ← ui, db ← jobs
    func makeGraph(_ loader: ComponentLoader) throws {
        try loader.register("db") { Widget("db") }
        try loader.register("api", dependencies: ["db"]) { Widget("api") }
        try loader.register("ui", dependencies: ["api"]) { Widget("ui") }
        try loader.register("jobs", dependencies: ["db"]) { Widget("jobs") }
    }

    @Test func lazyLoadsOnlyWhatIsAskedForAndItsDependencies() async throws {
        let loader = ComponentLoader()
        try makeGraph(loader)
        _ = try await loader.get("api")
        #expect(Set(loader.loadedKeys) == ["db", "api"])
    }

    @Test func eagerLoadsDependentsToo() async throws {
        let loader = ComponentLoader(configuration: .init(strategy: .eager))
        try makeGraph(loader)
        _ = try await loader.get("db")
        #expect(Set(loader.loadedKeys) == ["db", "api", "ui", "jobs"])
    }

    @Test func adaptivePreloadsDependentsAtTheThreshold() async throws {
        let loader = ComponentLoader(configuration: .init(strategy: .adaptive, adaptiveThreshold: 3))
        try makeGraph(loader)
        _ = try await loader.get("db")
        _ = try await loader.get("db")
        #expect(loader.loadedKeys == ["db"])
        _ = try await loader.get("db")
        #expect(Set(loader.loadedKeys) == ["db", "api", "jobs"])
        #expect(!loader.isLoaded("ui"))
    }

    @Test func strategyCanChangeAtRunTime() async throws {
        let loader = ComponentLoader()
        try makeGraph(loader)
        _ = try await loader.get("db")
        #expect(loader.loadedKeys == ["db"])
        loader.strategy = .eager
        #expect(loader.strategy == .eager)
        loader.clear()
        _ = try await loader.get("db")
        #expect(loader.loadedKeys.count == 4)
    }
}
