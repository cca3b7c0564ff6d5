import Testing
import VictorRuntime

@Suite struct BudgetConcurrencyTests {
    @Test func exactlyTheBudgetIsAllowedAmongAThousandConcurrentCalls() async throws {
        let fixture = try GateFixture(maxToolCalls: 25)
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let runtime = fixture.runtime
        let verdicts = await withTaskGroup(of: GateDecision.self) { group in
            for index in 0..<1_000 {
                group.addTask { runtime.authorize(ToolCall(id: "c\(index)", tool: "noop"), in: session) }
            }
            var decisions: [GateDecision] = []
            for await decision in group { decisions.append(decision) }
            return decisions
        }
        #expect(verdicts.filter(\.allowed).count == 25)
        #expect(verdicts.filter { !$0.allowed }.allSatisfy { $0.step == .budget })
        #expect(session.callsAllowed == 25)
        #expect(fixture.audit.records.count == 1_000)
        #expect(fixture.audit.records.filter { $0.verdict == .allowed }.count == 25)
    }

    @Test func concurrentRunsThroughTheExecutorSpendExactlyTheBudget() async throws {
        let fixture = try GateFixture(maxToolCalls: 10)
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let runtime = fixture.runtime
        let results = await withTaskGroup(of: [ToolCallResult].self) { group in
            for batch in 0..<20 {
                group.addTask {
                    await runtime.call((0..<5).map { ToolCall(id: "b\(batch)-\($0)", tool: "noop") }, in: session)
                }
            }
            var all: [ToolCallResult] = []
            for await results in group { all += results }
            return all
        }
        #expect(results.count == 100)
        #expect(results.filter { $0.outcome == .succeeded }.count == 10)
        #expect(fixture.calls.value == 10, "denied calls never reach the handler")
        #expect(results.filter { $0.outcome == .notRun }.allSatisfy { $0.decision.step == .budget })
    }
}
