import Testing
import VictorRuntime

@Suite struct ListingTests {
    @Test func aSessionSeesOnlyToolsItCouldCall() async throws {
        let fixture = try GateFixture()
        let worker = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        // shell is forbidden by the persona; read_file is denied only for some paths, so it is shown.
        #expect(
            fixture.runtime.tools(for: worker).map(\.name) == ["deploy", "fail", "noop", "read_file", "search", "slow"]
        )
        let reader = try await fixture.runtime.openSession(user: "alice", persona: "reader")
        #expect(fixture.runtime.tools(for: reader).map(\.name) == ["read_file", "search"])
        let stranger = try await fixture.runtime.openSession(user: "mallory", persona: "unlimited")
        #expect(fixture.runtime.tools(for: stranger).isEmpty, "nothing permits mallory anything")
    }

    @Test func aSpentBudgetListsNothing() async throws {
        let fixture = try GateFixture(maxToolCalls: 1)
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        #expect(fixture.runtime.authorize(ToolCall(tool: "noop"), in: session).allowed)
        #expect(fixture.runtime.tools(for: session).isEmpty)
    }
}
