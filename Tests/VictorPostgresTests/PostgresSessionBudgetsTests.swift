import Foundation
import Testing
import VictorPostgres

@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresSessionBudgetsTests {
    /// A thousand spends at once through three pools (as from three instances) on one session
    /// with a budget of 100: exactly 100 are allowed.
    @Test func aThousandConcurrentSpendsAcrossPoolsAllowExactlyTheBudget() async throws {
        try await withTestDatabases { databases in
            let first = try await databases.make()
            let pools = [first, try await databases.reopen(first), try await databases.reopen(first)]
            let budgets = pools.map(PostgresSessionBudgets.init(database:))
            try await budgets[0].open(session: "s-1", limit: 100)
            // Opening again on another instance keeps the one budget.
            try await budgets[1].open(session: "s-1", limit: 100)
            let outcomes = try await withThrowingTaskGroup(of: PostgresSessionBudgets.Spend.self) { group in
                for spend in 0..<1000 {
                    let budget = budgets[spend % budgets.count]
                    group.addTask { try await budget.spend(session: "s-1") }
                }
                return try await group.reduce(into: [PostgresSessionBudgets.Spend]()) { $0.append($1) }
            }
            let allowed = outcomes.filter { if case .allowed = $0 { true } else { false } }
            #expect(allowed.count == 100)
            #expect(outcomes.filter { $0 == .spent(limit: 100) }.count == 900)
            #expect(Set(allowed.compactMap { if case .allowed(let used, _) = $0 { used } else { nil } }).count == 100)
            #expect(try await budgets[2].usage(session: "s-1")?.used == 100)
        }
    }

    @Test func anUnknownSessionSpendsNothing() async throws {
        try await withTestDatabases { databases in
            let budgets = PostgresSessionBudgets(database: try await databases.make())
            #expect(try await budgets.spend(session: "never-opened") == .unknownSession)
            try await budgets.open(session: "unlimited", limit: nil)
            #expect(try await budgets.spend(session: "unlimited") == .allowed(used: 1, limit: nil))
            try await budgets.open(session: "none", limit: 0)
            #expect(try await budgets.spend(session: "none") == .spent(limit: 0))
        }
    }
}

@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresSessionsTests {
    static let record = PostgresSessions.Record(
        id: "s-7",
        user: "alice",
        persona: "debugger",
        personaVersion: 3,
        context: #"{"env":"dev"}"#,
        startedAt: Date(timeIntervalSince1970: 1_800_000_000.25),
        maxCalls: 2
    )

    @Test func aSessionOpenedThroughOnePoolIsReadThroughAnotherWithItsBudget() async throws {
        try await withTestDatabases { databases in
            let first = try await databases.make()
            let second = try await databases.reopen(first)
            try await PostgresSessions(database: first).open(Self.record)
            let budgets = PostgresSessionBudgets(database: second)
            #expect(try await budgets.spend(session: "s-7") == .allowed(used: 1, limit: 2))
            let found = try #require(try await PostgresSessions(database: second).session("s-7"))
            #expect(found.record == Self.record)
            #expect(found.used == 1)
            #expect(try await PostgresSessions(database: second).session("s-8") == nil)
        }
    }

    @Test func anIdOpenedTwiceIsAConflictAndKeepsTheFirstSession() async throws {
        try await withTestDatabases { databases in
            let sessions = PostgresSessions(database: try await databases.make())
            try await sessions.open(Self.record)
            var second = Self.record
            second.user = "mallory"
            second.maxCalls = nil
            let error = await #expect(throws: PostgresStoreError.self) { try await sessions.open(second) }
            #expect(error?.code == .conflict)
            let found = try #require(try await sessions.session("s-7"))
            #expect(found.record.user == "alice")
            #expect(found.record.maxCalls == 2)
        }
    }
}

@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresSessionExpiryTests {
    @Test func aSessionNobodyUsesExpiresAndUseKeepsItAlive() async throws {
        try await withTestDatabases { databases in
            let database = try await databases.make()
            let sessions = PostgresSessions(database: database)
            try await sessions.open(PostgresSessionsTests.record)
            // Long enough that a busy machine reads it in time, short enough to wait out.
            let idle = Duration.seconds(2)
            #expect(try await sessions.session("s-7", idleTimeout: idle) != nil)
            try await Task.sleep(for: .milliseconds(2_500))
            #expect(try await sessions.session("s-7", idleTimeout: idle) == nil, "an idle session was still served")
            #expect(try await sessions.session("s-7") != nil, "without a timeout the record stays readable")
            // Any instance marking it used, or counting a call, makes it current again.
            try await sessions.touch("s-7")
            #expect(try await sessions.session("s-7", idleTimeout: idle) != nil)
            try await Task.sleep(for: .milliseconds(2_500))
            _ = try await PostgresSessionBudgets(database: database).spend(session: "s-7")
            #expect(try await sessions.session("s-7", idleTimeout: idle) != nil)
        }
    }
}
