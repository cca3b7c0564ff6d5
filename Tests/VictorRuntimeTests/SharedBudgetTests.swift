import Synchronization
import Testing
import VictorAuthorization
import VictorPersonas
import VictorRuntime

/// A shared budget held in memory, counting how often it was asked; or one that always fails.
final class LedgerBudget: SharedBudget {
    let limit: Int
    let failing: Bool
    private let used = Mutex(0)
    private let asked = Mutex(0)

    init(limit: Int, failing: Bool = false) {
        self.limit = limit
        self.failing = failing
    }

    var questions: Int { asked.withLock { $0 } }

    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    func spend(session: String) async throws -> SharedBudgetSpend {
        asked.withLock { $0 += 1 }
        if failing { throw Unreachable() }
        return used.withLock { used in
            guard used < limit else { return .spent }
            used += 1
            return .allowed(used: used)
        }
    }
}

@Suite struct SharedBudgetTests {
    @Test func theSharedCountIsTheJudgeAndTheSessionFollowsIt() async throws {
        let fixture = try GateFixture(maxToolCalls: 3)
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        // Another instance spent two of the three calls already.
        let budget = LedgerBudget(limit: 3)
        _ = try await budget.spend(session: session.id)
        _ = try await budget.spend(session: session.id)

        let allowed = await fixture.runtime.authorize(ToolCall(id: "a", tool: "noop"), in: session, budget: budget)
        #expect(allowed.allowed)
        #expect(allowed.remainingCalls == 0)
        #expect(session.callsAllowed == 3)

        let spent = await fixture.runtime.authorize(ToolCall(id: "b", tool: "noop"), in: session, budget: budget)
        #expect(spent.verdict == .denied)
        #expect(spent.step == .budget)
        #expect(fixture.audit.records.map(\.verdict) == [.allowed, .denied])
    }

    @Test func anUnreachableBudgetDeniesAndSaysWhy() async throws {
        let fixture = try GateFixture(maxToolCalls: 3)
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let budget = LedgerBudget(limit: 3, failing: true)
        let decision = await fixture.runtime.authorize(ToolCall(id: "a", tool: "noop"), in: session, budget: budget)
        #expect(decision.verdict == .denied)
        #expect(decision.step == .budget)
        #expect(decision.reason.contains("connection refused"))
        #expect(session.callsAllowed == 0)
        #expect(fixture.audit.records.first?.verdict == .denied)
    }

    @Test func onlyAllowedCallsOfLimitedSessionsAskTheSharedBudget() async throws {
        let fixture = try GateFixture(maxToolCalls: 3)
        let budget = LedgerBudget(limit: 3)
        let limited = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        // The persona forbids the shell: denied before the budget is asked.
        let forbidden = await fixture.runtime.authorize(ToolCall(id: "s", tool: "shell"), in: limited, budget: budget)
        #expect(forbidden.step == .persona)
        #expect(budget.questions == 0)

        let unlimited = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let free = await fixture.runtime.authorize(ToolCall(id: "u", tool: "noop"), in: unlimited, budget: budget)
        #expect(free.allowed)
        #expect(budget.questions == 0)
        #expect(unlimited.callsAllowed == 1)
    }

    @Test func aRestoredSessionKeepsItsFactsAndStartsFromTheSpentCount() async throws {
        let fixture = try GateFixture(maxToolCalls: 3)
        let opened = try await fixture.runtime.openSession(
            user: "alice",
            persona: "worker",
            context: ["env": .string("dev")]
        )
        // The persona changes after the session opened; the session keeps the version it adapted.
        var edited = try await fixture.runtime.personas.load("worker")
        edited.constraints.maxToolCalls = 10
        _ = try await fixture.runtime.personas.update(edited)
        let restored = try await fixture.runtime.restoreSession(
            opened.facts,
            context: ["env": .string("dev")],
            used: 2
        )
        #expect(restored.facts == opened.facts)
        #expect(restored.facts.personaVersion == opened.facts.personaVersion)
        #expect(restored.maxToolCalls == 3)
        #expect(restored.policyContext == opened.policyContext)
        #expect(restored.remainingCalls == 1)
        #expect(fixture.runtime.authorize(ToolCall(id: "x", tool: "noop"), in: restored).allowed)
        #expect(!fixture.runtime.authorize(ToolCall(id: "y", tool: "noop"), in: restored).allowed)
    }
}
