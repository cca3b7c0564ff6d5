import Testing
import VictorRuntime

@Suite struct ExecutionTests {
    @Test func resultsKeepTheCallersOrderAndFailuresStayIsolated() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let results = await fixture.runtime.call(
            [
                ToolCall(id: "1", tool: "search", arguments: ["query": "a"]),
                ToolCall(id: "2", tool: "fail"),
                ToolCall(id: "3", tool: "unknown"),
                ToolCall(id: "4", tool: "search", arguments: ["query": "b"]),
            ],
            in: session
        )
        #expect(results.map(\.call.id) == ["1", "2", "3", "4"])
        #expect(results.map(\.outcome) == [.succeeded, .failed, .notRun, .succeeded])
        #expect(results[0].value == ["echo": ["query": "a"]])
        #expect(results[1].error == "the tool broke")
        #expect(results[2].decision.step == .registry)
        #expect(results[3].value == ["echo": ["query": "b"]])
        #expect(fixture.audit.records.map(\.callID) == ["1", "2", "3", "4"])
        #expect(fixture.audit.records.map(\.outcome) == [.succeeded, .failed, .notRun, .succeeded])
    }

    @Test func aToolRunningPastItsTimeLimitTimesOut() async throws {
        let fixture = try GateFixture(taskTimeout: .milliseconds(50))
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let result = await fixture.runtime.call(ToolCall(tool: "slow"), in: session)
        #expect(result.outcome == .timedOut)
        #expect(fixture.audit.records.last?.outcome == .timedOut)
        #expect(fixture.audit.records.last?.verdict == .allowed)
    }

    @Test func cancellingTheCallerCancelsTheTool() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let runtime = fixture.runtime
        let task = Task { await runtime.call(ToolCall(tool: "slow"), in: session) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let result = await task.value
        #expect(result.outcome == .cancelled)
        #expect(fixture.audit.records.last?.outcome == .cancelled)
    }

    @Test func callsGetIdsWhenTheyHaveNone() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "unlimited")
        let result = await fixture.runtime.call(ToolCall(tool: "noop"), in: session)
        #expect(result.call.id.count == 36)
        #expect(fixture.audit.records.last?.callID == result.call.id)
    }
}
