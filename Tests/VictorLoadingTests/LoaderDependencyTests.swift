import Testing
import VictorLoading

@Suite struct LoaderDependencyTests {
    @Test func dependenciesLoadFirstInDeclarationOrder() async throws {
        let loader = ComponentLoader()
        let log = CallLog()
        for name in ["config", "db", "cache"] {
            try loader.register(name) { () -> Widget in
                log.record(name)
                return Widget(name)
            }
        }
        try loader.register("api", dependencies: ["db", "cache", "config"]) { () -> Widget in
            log.record("api")
            return Widget("api")
        }
        _ = try await loader.get("api")
        #expect(log.calls == ["db", "cache", "config", "api"])
    }

    @Test func factoriesReadDeclaredDependenciesFromTheResolver() async throws {
        let loader = ComponentLoader()
        let db = try loader.register("db") { Widget("db") }
        let api = try loader.register("api", dependencies: ["db"]) { resolver in
            Widget("api over " + (try resolver.get(db)).name + "/" + (try resolver.get("db", as: Widget.self)).name)
        }
        #expect(try await loader.get(api).name == "api over db/db")
    }

    @Test func anUndeclaredDependencyIsAnError() async throws {
        let loader = ComponentLoader()
        let db = try loader.register("db") { Widget("db") }
        let sneaky = try loader.register("sneaky") { resolver in try resolver.get(db) }
        let error = await #expect(throws: LoaderError.self) { try await loader.get(sneaky) }
        #expect(error?.code == .undeclaredDependency)
        #expect(error?.message.contains("'db'") == true)
    }

    @Test func dependenciesMayBeRegisteredLater() async throws {
        let loader = ComponentLoader()
        try loader.register("api", dependencies: ["db"]) { Widget("api") }
        let error = await #expect(throws: LoaderError.self) { try await loader.get("api") }
        #expect(error?.code == .missingDependency)
        #expect(error?.message == "'api' depends on 'db', which is not registered")
        #expect(loader.registeredKeys == ["api"])

        try loader.register("db") { Widget("db") }
        #expect(try await loader.get("api", as: Widget.self).name == "api")
        #expect(loader.isLoaded("db"))
    }

    @Test func aThreeCycleIsRejectedWithItsPath() throws {
        let loader = ComponentLoader()
        try loader.register("a", dependencies: ["b"]) { Widget("a") }
        try loader.register("b", dependencies: ["c"]) { Widget("b") }
        let error = #expect(throws: LoaderError.self) {
            try loader.register("c", dependencies: ["a"]) { Widget("c") }
        }
        #expect(error?.code == .dependencyCycle)
        #expect(error?.cycle == ["c", "a", "b", "c"])
        #expect(error?.message.contains("c → a → b → c") == true)
        // Nothing was half-registered: c can still be registered without the cycle.
        #expect(loader.registeredKeys == ["a", "b"])
        try loader.register("c") { Widget("c") }
        #expect(loader.registeredKeys == ["a", "b", "c"])
    }

    @Test func aSelfDependencyIsACycle() throws {
        let loader = ComponentLoader()
        let error = #expect(throws: LoaderError.self) { try loader.register("a", dependencies: ["a"]) { Widget("a") } }
        #expect(error?.cycle == ["a", "a"])
        #expect(loader.registeredKeys.isEmpty)
    }

    @Test func aFailingDependencyFailsItsDependentAndIsNamed() async throws {
        let loader = ComponentLoader()
        try loader.register("db") { () throws -> Widget in throw FactoryFailure() }
        try loader.register("api", dependencies: ["db"]) { Widget("api") }
        let error = await #expect(throws: LoaderError.self) { try await loader.get("api") }
        #expect(error?.code == .factoryFailed)
        #expect(error?.component == "db")
        #expect(!loader.isLoaded("api"))
    }

    @Test func aDependencyEvictedDuringConstructionIsStillHandedToTheFactory() async throws {
        // With room for one instance, loading b evicts a before api's factory runs.
        let loader = ComponentLoader(configuration: .init(maxCacheSize: 1))
        let a = try loader.register("a") { Widget("a") }
        let b = try loader.register("b") { Widget("b") }
        let api = try loader.register("api", dependencies: ["a", "b"]) { resolver in
            Widget((try resolver.get(a)).name + (try resolver.get(b)).name)
        }
        #expect(try await loader.get(api).name == "ab")
    }
}

@Suite struct LoaderReentrancyTests {
    @Test func aFactoryAskingForItsOwnComponentFailsInsteadOfHanging() async throws {
        let loader = ComponentLoader()
        try loader.register("selfish") { () async throws -> Widget in
            _ = try await loader.get("selfish")
            return Widget("selfish")
        }
        let error = await #expect(throws: LoaderError.self) { try await loader.get("selfish") }
        #expect(error?.code == .dependencyCycle)
        #expect(!loader.isLoaded("selfish"))
    }

    @Test func anUndeclaredIndirectLoopFailsInsteadOfHanging() async throws {
        let loader = ComponentLoader()
        try loader.register("a") { () async throws -> Widget in
            _ = try await loader.get("b")
            return Widget("a")
        }
        try loader.register("b") { () async throws -> Widget in
            _ = try await loader.get("a")
            return Widget("b")
        }
        await #expect(throws: LoaderError.self) { try await loader.get("a") }
    }
}
