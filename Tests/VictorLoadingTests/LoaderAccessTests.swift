import Testing
import VictorLoading

@Suite struct LoaderAccessTests {
    @Test func typedGetReturnsTheSameInstanceEachTime() async throws {
        let loader = ComponentLoader()
        let log = CallLog()
        let key = try loader.register("db") { () -> Widget in
            log.record("db")
            return Widget("db")
        }
        #expect(!loader.isLoaded("db"))
        let first = try await loader.get(key)
        let second = try await loader.get(key)
        #expect(first === second)
        #expect(log.count("db") == 1)
        #expect(loader.isLoaded("db"))
    }

    @Test func stringKeysReachTheSameInstance() async throws {
        let loader = ComponentLoader()
        let key = try loader.register("db") { Widget("db") }
        let typed = try await loader.get(key)
        let untyped = try await loader.get("db")
        let byName = try await loader.get("db", as: Widget.self)
        #expect((untyped as? Widget) === typed)
        #expect(byName === typed)
        #expect(try loader.key(for: "db", as: Widget.self) == key)
    }

    @Test func asyncFactoriesAreAwaited() async throws {
        let loader = ComponentLoader()
        let key = try loader.register("slow") { () async throws -> Widget in
            try await Task.sleep(for: .milliseconds(1))
            return Widget("slow")
        }
        #expect(try await loader.get(key).name == "slow")
    }

    @Test func unknownNameIsAnError() async throws {
        let loader = ComponentLoader()
        let error = await #expect(throws: LoaderError.self) { try await loader.get("missing") }
        #expect(error?.code == .notRegistered)
        #expect(error?.message.contains("'missing'") == true)
        // A name known only as another component's dependency is not registered either.
        try loader.register("user", dependencies: ["pending"]) { Widget("user") }
        let pending = await #expect(throws: LoaderError.self) { try await loader.get("pending") }
        #expect(pending?.code == .notRegistered)
    }

    @Test func aNameFindsItsComponentUnderEitherSpellingAndARepeatIsAHitWithoutALoad() async throws {
        let loader = ComponentLoader()
        try loader.register("caf\u{E9}") { Widget("composed") }
        let first = try await loader.get("cafe\u{301}")
        #expect((first as? Widget)?.name == "composed")
        let before = loader.statistics()
        let again = try await loader.get("caf\u{E9}")
        #expect((again as? Widget) === (first as? Widget))
        let after = loader.statistics()
        #expect(after.hits == before.hits + 1)
        #expect(after.loads == before.loads)
    }

    @Test func wrongTypeIsAnError() async throws {
        let loader = ComponentLoader()
        try loader.register("number") { 42 }
        let error = await #expect(throws: LoaderError.self) { try await loader.get("number", as: String.self) }
        #expect(error?.code == .typeMismatch)
        #expect(throws: LoaderError.self) { try loader.key(for: "number", as: String.self) }
        #expect(try loader.key(for: "number", as: Int.self).name == "number")
    }

    @Test func duplicateRegistrationIsRejected() throws {
        let loader = ComponentLoader()
        try loader.register("db") { Widget("db") }
        let error = #expect(throws: LoaderError.self) { try loader.register("db") { Widget("other") } }
        #expect(error?.code == .alreadyRegistered)
        #expect(loader.registeredKeys == ["db"])
    }

    @Test func aKeyFromAnotherLoaderIsRejected() async throws {
        let first = ComponentLoader()
        let second = ComponentLoader()
        let key = try first.register("db") { Widget("first") }
        try second.register("db") { Widget("second") }
        let error = await #expect(throws: LoaderError.self) { try await second.get(key) }
        #expect(error?.code == .foreignKey)
    }

    @Test func throwingFactoryCachesNothingAndTheNextAccessRetries() async throws {
        let loader = ComponentLoader()
        let failing = Flag(true)
        let log = CallLog()
        let key = try loader.register("flaky") { () -> Widget in
            log.record("flaky")
            if failing.isOn { throw FactoryFailure() }
            return Widget("flaky")
        }
        let other = try loader.register("steady") { Widget("steady") }

        let error = await #expect(throws: LoaderError.self) { try await loader.get(key) }
        #expect(error?.code == .factoryFailed)
        #expect(error?.cause is FactoryFailure)
        #expect(!loader.isLoaded("flaky"))
        #expect(try await loader.get(other).name == "steady")

        failing.set(false)
        #expect(try await loader.get(key).name == "flaky")
        #expect(log.count("flaky") == 2)
        let statistics = loader.statistics()
        #expect(statistics.failures == 1)
        #expect(statistics.loads == 2)
    }

    @Test func everyWaiterReceivesTheFactoryError() async throws {
        let loader = ComponentLoader()
        let log = CallLog()
        let key = try loader.register("broken") { () async throws -> Widget in
            log.record("broken")
            try await Task.sleep(for: .milliseconds(20))
            throw FactoryFailure()
        }
        let outcomes = await withTaskGroup(of: LoaderError.Code?.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        _ = try await loader.get(key)
                        return nil
                    } catch let error as LoaderError {
                        return error.code
                    } catch {
                        return nil
                    }
                }
            }
            return await group.reduce(into: [LoaderError.Code?]()) { $0.append($1) }
        }
        #expect(outcomes.count == 20)
        #expect(outcomes.allSatisfy { $0 == .factoryFailed })
        #expect(!loader.isLoaded("broken"))
        // One factory call per wave of concurrent waiters; at least one, never one per waiter.
        #expect(log.count("broken") >= 1 && log.count("broken") < 20)
    }

    @Test func preloadUnloadClearAndListings() async throws {
        let loader = ComponentLoader()
        _ = try loader.registerWidgets(4)
        #expect(loader.registeredKeys == ["w0", "w1", "w2", "w3"])
        #expect(loader.loadedKeys.isEmpty)

        try await loader.preload(["w2", "w0"])
        #expect(Set(loader.loadedKeys) == ["w0", "w2"])
        #expect(loader.statistics().hits == 0)
        #expect(loader.statistics().misses == 0)

        #expect(loader.unload("w2"))
        #expect(!loader.unload("w2"))
        #expect(!loader.unload("nonexistent"))
        #expect(loader.loadedKeys == ["w0"])

        try await loader.preloadAll()
        #expect(loader.loadedKeys.count == 4)
        loader.clear()
        #expect(loader.loadedKeys.isEmpty)
        #expect(loader.registeredKeys.count == 4)

        let error = await #expect(throws: LoaderError.self) { try await loader.preload(["nope"]) }
        #expect(error?.code == .notRegistered)
    }

    @Test func invalidSettingsAreRejected() throws {
        let loader = ComponentLoader()
        #expect(throws: LoaderError.self) { try loader.setMaxCacheSize(0) }
        #expect(throws: LoaderError.self) { try loader.setAdaptiveThreshold(0) }
        #expect(loader.maxCacheSize == 100)
        #expect(loader.adaptiveThreshold == 3)
    }
}
