import Testing
import VictorRuntime

@Suite struct ApprovalTests {
    let prodDeploy = ToolCall(id: "d1", tool: "deploy", arguments: ["env": "prod"])

    @Test func anApprovedCallRunsAndNamesItsApprover() async throws {
        let fixture = try GateFixture(
            approver: ClosureApprover { request in
                request.call.tool == "deploy" ? .approved(by: "oncall") : .denied("unexpected")
            }
        )
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let result = await fixture.runtime.call(prodDeploy, in: session)
        #expect(result.outcome == .succeeded)
        #expect(result.decision.verdict == .allowed)
        #expect(result.decision.step == .approval)
        #expect(result.approver == "oncall")
        #expect(session.callsAllowed == 1)
        let record = try #require(fixture.audit.records.last)
        #expect(record.approver == "oncall" && record.step == .approval && record.outcome == .succeeded)
    }

    @Test func theDefaultApproverDenies() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let result = await fixture.runtime.call(prodDeploy, in: session)
        #expect(result.outcome == .notRun)
        #expect(result.decision.step == .approval && result.decision.verdict == .denied)
        #expect(result.decision.reason == "the approver denied the call: no approver is configured")
        #expect(fixture.calls.value == 0)
        #expect(session.callsAllowed == 0)
    }

    @Test func anApproverThatDoesNotAnswerInTimeDenies() async throws {
        let fixture = try GateFixture(
            approver: ClosureApprover { _ in
                try? await Task.sleep(for: .seconds(3_600))
                return .approved(by: "too late")
            },
            options: RuntimeOptions(approvalTimeout: .milliseconds(50))
        )
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let result = await fixture.runtime.call(prodDeploy, in: session)
        #expect(result.outcome == .notRun)
        #expect(result.decision.step == .approval)
        #expect(result.decision.reason.hasPrefix("no answer from the approver within"))
        #expect(fixture.calls.value == 0)
        #expect(fixture.audit.records.last?.verdict == .denied)
    }

    @Test func anApproverIgnoringCancellationIsNotWaitedFor() async throws {
        let release = AsyncStream<Void>.makeStream()
        let fixture = try GateFixture(
            approver: ClosureApprover { _ in
                // Waits for a signal that only comes after the test's assertions; no cancellation check.
                for await _ in release.stream { break }
                return .approved(by: "late")
            },
            options: RuntimeOptions(approvalTimeout: .milliseconds(50))
        )
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let result = await fixture.runtime.call(prodDeploy, in: session)
        #expect(result.decision.verdict == .denied)
        release.continuation.finish()
    }

    @Test func approvalCannotExceedTheBudget() async throws {
        let fixture = try GateFixture(approver: ClosureApprover { _ in .approved(by: "oncall") }, maxToolCalls: 1)
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let results = await fixture.runtime.call(
            [ToolCall(id: "a", tool: "noop"), ToolCall(id: "b", tool: "deploy", arguments: ["env": "prod"])],
            in: session
        )
        #expect(results[0].outcome == .succeeded)
        #expect(results[1].outcome == .notRun)
        #expect(results[1].decision.step == .budget)
    }
}
