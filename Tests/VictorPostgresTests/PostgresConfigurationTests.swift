import Foundation
import Testing
import VictorAuthorization
import VictorLocks
import VictorPostgres
import VictorScratchPostgres
import VictorTestSupport

@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresConfigurationTests {
    @Test func aCommitIsValidatedWholeAndVersionedByGeneration() async throws {
        try await withTestDatabases { databases in
            let store = PostgresConfigurationStore(database: try await databases.make())
            #expect(try await store.latest() == nil)
            #expect(try await store.commit(AuthorizationSamples.yaml, expectedGeneration: 0) == 1)
            let broken = AuthorizationSamples.yaml.replacingOccurrences(
                of: "inherits: [viewer]",
                with: "inherits: [ghost]"
            )
            let invalid = await #expect(throws: PostgresStoreError.self) {
                try await store.commit(broken, expectedGeneration: 1)
            }
            #expect(invalid?.code == .invalidDocument)
            let stale = await #expect(throws: PostgresStoreError.self) {
                try await store.commit(AuthorizationSamples.yaml, expectedGeneration: 0)
            }
            #expect(stale?.code == .conflict)
            let latest = try #require(try await store.latest())
            #expect(latest.generation == 1)
            #expect(latest.configuration.role(named: "developer") != nil)
        }
    }

    @Test func twoCommittersOnOneGenerationGiveOneNewGeneration() async throws {
        try await withTestDatabases { databases in
            let first = try await databases.make()
            let stores = [first, try await databases.reopen(first)].map(PostgresConfigurationStore.init(database:))
            try await stores[0].commit(AuthorizationSamples.yaml, expectedGeneration: 0)
            let outcomes = await withTaskGroup(of: PostgresStoreError.Code?.self) { group in
                for store in stores + stores {
                    group.addTask {
                        do {
                            try await store.commit(AuthorizationSamples.yaml, expectedGeneration: 1)
                            return nil
                        } catch let error as PostgresStoreError {
                            return error.code
                        } catch {
                            return .query
                        }
                    }
                }
                return await group.reduce(into: [PostgresStoreError.Code?]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == nil }.count == 1)
            #expect(outcomes.filter { $0 == .conflict }.count == 3)
            #expect(try await stores[1].latest()?.generation == 2)
        }
    }

    /// A listener on one pool installs what another pool commits, and hears persona changes.
    @Test func theListenerAppliesChangesCommittedElsewhere() async throws {
        try await withTestDatabases { databases in
            let writer = try await databases.make()
            let follower = try await databases.reopen(writer)
            let authorizer = try Authorizer()
            let personaNotices = Locked<[[String]?]>([])
            let listener = PostgresChangeListener(
                database: follower,
                handlers: .init(
                    configuration: { stored in try? authorizer.replaceConfiguration(stored.configuration) },
                    personas: { ids in personaNotices.withLock { $0.append(ids) } }
                )
            )
            #expect(listener.freshness.phase == .starting)
            #expect(listener.denial() != nil)
            let running = Task { await listener.run() }
            defer { running.cancel() }
            try await waitUntil { listener.freshness.isReady }
            #expect(listener.freshness.generation == 0)
            #expect(listener.denial() == nil)
            #expect(!authorizer.check(user: "bob", resource: "code", action: "read").allowed)

            try await PostgresConfigurationStore(database: writer).commit(
                AuthorizationSamples.yaml,
                expectedGeneration: 0
            )
            try await waitUntil { listener.freshness.generation == 1 }
            #expect(authorizer.check(user: "bob", resource: "code", action: "read").allowed)

            try await PostgresPersonaStore(database: writer).save(
                PersonaStoreContract.samplePersona("p"),
                expectedVersion: 0
            )
            try await waitUntil { personaNotices.withLock { $0.contains { $0 == ["p"] } } }
            running.cancel()
            await running.value
        }
    }
}

/// Polls `condition` every 10 ms, failing after 10 s: a bound for a broken build, not a timing.
func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("the condition did not hold within 10 s", sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct ConfigurationFreshnessTests {
    let start = ContinuousClock.now

    @Test func anInstanceDecidesOnlyOnceCurrentAndFailsClosedPastTheBound() {
        var freshness = ConfigurationFreshness(stalenessBound: .seconds(5))
        #expect(!freshness.isReady)
        #expect(freshness.denial(at: start) != nil)
        freshness.caughtUp(generation: 3)
        #expect(freshness.isReady)
        #expect(freshness.denial(at: start) == nil)
        freshness.lost(at: start)
        #expect(!freshness.isReady)
        #expect(freshness.phase == .reconnecting)
        #expect(freshness.denial(at: start + .seconds(4)) == nil)
        #expect(freshness.denial(at: start + .seconds(6))?.contains("stale") == true)
        // A second failure while reconnecting keeps the time of the first loss.
        freshness.lost(at: start + .seconds(3))
        #expect(freshness.lostAt == start)
        freshness.caughtUp(generation: 4)
        #expect(freshness.isReady)
        #expect(freshness.generation == 4)
        #expect(freshness.denial(at: start + .seconds(60)) == nil)
    }

    @Test func aLossBeforeTheFirstReadStaysStarting() {
        var freshness = ConfigurationFreshness(stalenessBound: .seconds(5))
        freshness.lost(at: start)
        #expect(freshness.phase == .starting)
        #expect(freshness.denial(at: start) != nil)
    }
}

/// The listener across a restart of PostgreSQL, on a cluster of its own.
@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresChangeListenerRestartTests {
    @Test func aRestartMakesTheListenerUnreadyThenCurrentAgain() async throws {
        let cluster = try PostgresTestCluster.makePrivate()
        defer { cluster.remove() }
        try await withTestDatabases { databases in
            let url = cluster.url(database: try cluster.makeDatabase())
            let writer = try await databases.open(url)
            try await PostgresSchema.migrate(writer)
            let follower = try await databases.open(url)
            let authorizer = try Authorizer()
            let listener = PostgresChangeListener(
                database: follower,
                stalenessBound: .seconds(30),
                backoff: .init(initial: .milliseconds(20), maximum: .milliseconds(200)),
                handlers: .init(
                    configuration: { stored in try? authorizer.replaceConfiguration(stored.configuration) },
                    personas: { _ in }
                )
            )
            let running = Task { await listener.run() }
            defer { running.cancel() }
            try await PostgresConfigurationStore(database: writer).commit(
                AuthorizationSamples.yaml,
                expectedGeneration: 0
            )
            try await waitUntil { listener.freshness.isReady && listener.freshness.generation == 1 }

            try cluster.stop()
            try await waitUntil { listener.freshness.phase == .reconnecting }
            // Within the staleness bound the applied configuration still decides.
            #expect(listener.denial() == nil)
            #expect(authorizer.check(user: "bob", resource: "code", action: "read").allowed)

            try cluster.start()
            let restricted = AuthorizationSamples.yaml.replacingOccurrences(
                of: "    roles: [viewer]\n    permissions:",
                with: "    roles: []\n    permissions:"
            )
            #expect(restricted != AuthorizationSamples.yaml)
            // The pool reconnects too; retry until the writer's connection is back.
            var committed = false
            for _ in 0..<100 where !committed {
                do {
                    try await PostgresConfigurationStore(database: writer).commit(restricted, expectedGeneration: 1)
                    committed = true
                } catch {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(committed)
            try await waitUntil { listener.freshness.isReady && listener.freshness.generation == 2 }
            #expect(!authorizer.check(user: "bob", resource: "code", action: "read").allowed)
            running.cancel()
            await running.value
        }
    }
}
