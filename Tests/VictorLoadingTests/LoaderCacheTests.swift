import Testing
import VictorLoading

@Suite struct LoaderCacheTests {
    @Test(arguments: LoadingStrategy.allCases)
    func tenComponentsWithACacheOfThreeKeepTheThreeMostRecent(strategy: LoadingStrategy) async throws {
        let loader = ComponentLoader(configuration: .init(strategy: strategy, maxCacheSize: 3))
        let keys = try loader.registerWidgets(10)
        for key in keys { _ = try await loader.get(key) }
        #expect(loader.loadedKeys == ["w9", "w8", "w7"])
        #expect(loader.statistics().loaded == 3)
        #expect(loader.statistics().evictions == 7)
    }

    @Test func leastRecentlyUsedIsEvictedFirst() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 3))
        let keys = try loader.registerWidgets(4)
        for key in keys.prefix(3) { _ = try await loader.get(key) }
        _ = try await loader.get(keys[0])  // w0 becomes the most recent; w1 is now the oldest
        _ = try await loader.get(keys[3])
        #expect(loader.loadedKeys == ["w3", "w0", "w2"])
        #expect(!loader.isLoaded("w1"))
    }

    @Test func anEvictedComponentIsRebuiltOnNextAccess() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 1))
        let log = CallLog()
        let keys = try loader.registerWidgets(2, log: log)
        let first = try await loader.get(keys[0])
        _ = try await loader.get(keys[1])
        let again = try await loader.get(keys[0])
        #expect(first !== again)
        #expect(log.count("w0") == 2)
    }

    @Test func pinnedComponentsAreNeverEvicted() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 2))
        let pinned = try loader.register("config", pinned: true) { Widget("config") }
        let keys = try loader.registerWidgets(5)
        _ = try await loader.get(pinned)
        for key in keys { _ = try await loader.get(key) }
        #expect(loader.loadedKeys == ["config", "w4"])
        #expect(loader.statistics(for: "config")?.isPinned == true)

        try loader.setPinned("config", false)
        _ = try await loader.get(keys[0])
        _ = try await loader.get(keys[1])
        #expect(!loader.isLoaded("config"))
    }

    @Test func pinningCannotExceedTheCacheSize() throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 1))
        try loader.register("a", pinned: true) { Widget("a") }
        let error = #expect(throws: LoaderError.self) { try loader.register("b", pinned: true) { Widget("b") } }
        #expect(error?.code == .invalidArgument)
        #expect(loader.registeredKeys == ["a"])
        try loader.register("c") { Widget("c") }
        #expect(throws: LoaderError.self) { try loader.setPinned("c", true) }
    }

    @Test func aPinnedComponentTooManyIsStillReturnedToItsCaller() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 1))
        let pinned = try loader.register("pinned", pinned: true) { Widget("pinned") }
        let other = try loader.register("other") { Widget("other") }
        _ = try await loader.get(pinned)
        let widget = try await loader.get(other)
        #expect(widget.name == "other")
        #expect(loader.loadedKeys == ["pinned"])
    }

    @Test func shrinkingTheCacheEvictsAtOnce() async throws {
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 5))
        let keys = try loader.registerWidgets(5)
        for key in keys { _ = try await loader.get(key) }
        try loader.setMaxCacheSize(2)
        #expect(loader.loadedKeys == ["w4", "w3"])
    }

    @Test(arguments: LoadingStrategy.allCases)
    func theBoundHoldsAfterEveryOperation(strategy: LoadingStrategy) async throws {
        let loader = ComponentLoader(configuration: .init(strategy: strategy, maxCacheSize: 2, adaptiveThreshold: 1))
        // A chain with fan-out so eager and adaptive loading preload more than asked for.
        try loader.register("root") { Widget("root") }
        for index in 0..<6 {
            try loader.register("leaf\(index)", dependencies: ["root"]) { Widget("leaf\(index)") }
        }
        for name in ["root", "leaf3", "root", "leaf5", "leaf0"] {
            _ = try await loader.get(name)
            #expect(loader.loadedKeys.count <= 2)
        }
        try await loader.preloadAll()
        #expect(loader.loadedKeys.count <= 2)
    }
}
