import VictorDocuments
import VictorExecution
import VictorLocks
import VictorTelemetry

/// The outcome of one call through the runtime's `call(_:in:)`.
public struct ToolCallResult: Sendable {
    /// The call as decided: its tool name in NFC, its id (made by the runtime when empty).
    public let call: ToolCall
    /// The gate's final decision (after approval, when one was asked).
    public let decision: GateDecision
    /// How the call ended; ``AuditRecord/Outcome/notRun`` when the gate refused it.
    public let outcome: AuditRecord.Outcome
    /// The tool's result, when it succeeded.
    public let value: JSONValue?
    /// Why the call failed, timed out or did not run.
    public let error: String?
    /// Who approved the call, when an approver did.
    public let approver: String?
    /// Nanoseconds from the start of the decision to the end of the call.
    public let durationNanoseconds: Int64
}

extension AgentRuntime {
    /// Decides, runs and records one call, as the batch form does.
    public func call(_ call: ToolCall, in session: AgentSession) async -> ToolCallResult {
        let start = MonotonicClock.nanoseconds()
        var (decision, call, arguments) = decide(call, in: session)
        var approver: String?
        if decision.verdict == .approvalRequired {
            (decision, approver) = await settle(decision, call, session)
        }
        instruments.count(decision)
        var ended = Ending.notRun
        if decision.allowed {
            let report = await executor.run([task(call, arguments, session)])
            ended = Ending(report.results[0])
        }
        return finish(call, arguments, decision, session, approver: approver, ended: ended, start: start)
    }

    /// Decides every call, asks the approver about those an approve policy holds, runs the
    /// allowed ones through the executor (its worker bound, timeouts and cancellation apply, and
    /// one failing tool never affects another), and records one audit record per call.
    /// - Returns: one result per call, in the order of `calls`.
    public func call(_ calls: [ToolCall], in session: AgentSession) async -> [ToolCallResult] {
        let start = MonotonicClock.nanoseconds()
        var decided = calls.map { Decided(decide($0, in: session)) }
        if decided.contains(where: { $0.decision.verdict == .approvalRequired }) {
            await settleAll(&decided, session)
        }
        for item in decided { instruments.count(item.decision) }

        let runnable = decided.indices.filter { decided[$0].decision.allowed }
        if !runnable.isEmpty {
            let report = await executor.run(runnable.map { task(decided[$0].call, decided[$0].arguments, session) })
            for (position, index) in runnable.enumerated() {
                decided[index].ended = Ending(report.results[position])
            }
        }
        return decided.map { item in
            finish(
                item.call,
                item.arguments,
                item.decision,
                session,
                approver: item.approver,
                ended: item.ended,
                start: start
            )
        }
    }

    /// Asks the approver about every call of a batch held for approval, at once.
    private func settleAll(_ decided: inout [Decided], _ session: AgentSession) async {
        await withTaskGroup(of: (Int, GateDecision, String?).self) { group in
            for index in decided.indices where decided[index].decision.verdict == .approvalRequired {
                let held = decided[index]
                group.addTask {
                    let (decision, approver) = await self.settle(held.decision, held.call, session)
                    return (index, decision, approver)
                }
            }
            for await (index, decision, approver) in group {
                decided[index].decision = decision
                decided[index].approver = approver
            }
        }
    }

    /// A call of a batch as the gate left it, and how it ended.
    private struct Decided {
        var decision: GateDecision
        let call: ToolCall
        let arguments: JSONValue
        var approver: String?
        var ended = Ending.notRun

        init(_ decided: (GateDecision, ToolCall, JSONValue)) {
            (decision, call, arguments) = decided
        }
    }

    /// How a call ended: its outcome, the tool's value, and the error.
    private struct Ending {
        var outcome: AuditRecord.Outcome
        var value: JSONValue?
        var error: String?

        static let notRun = Ending(outcome: .notRun, value: nil, error: nil)

        init(outcome: AuditRecord.Outcome, value: JSONValue?, error: String?) {
            self.outcome = outcome
            self.value = value
            self.error = error
        }

        init(_ result: Result<JSONValue, ExecutionError>) {
            switch result {
            case .success(let value): self.init(outcome: .succeeded, value: value, error: nil)
            case .failure(let error):
                let (outcome, value, message) = AgentRuntime.outcome(of: error)
                self.init(outcome: outcome, value: value, error: message)
            }
        }
    }

    /// The executor task running an allowed call's handler.
    private func task(_ call: ToolCall, _ arguments: JSONValue, _ session: AgentSession) -> ExecutionTask<JSONValue> {
        let tools = self.tools
        return ExecutionTask<JSONValue> {
            guard let entry = tools.entry(named: call.tool) else {
                throw RuntimeError(
                    .unknownTool,
                    "tool \(ExactText.quotedForDisplay(call.tool)) is no longer registered"
                )
            }
            let handler = try await tools.handler(entry)
            return try await handler.call(arguments, context: ToolCallContext(session: session.facts, callID: call.id))
        }
    }

    /// Records a decided (and perhaps run) call and makes its result.
    private func finish(
        _ call: ToolCall,
        _ arguments: JSONValue,
        _ decision: GateDecision,
        _ session: AgentSession,
        approver: String?,
        ended: Ending,
        start: UInt64
    ) -> ToolCallResult {
        let error = ended.error ?? (decision.allowed ? nil : decision.reason)
        let record = record(
            .call,
            call,
            arguments,
            decision,
            session,
            approver: approver,
            outcome: ended.outcome,
            error: error,
            start: start
        )
        let duration = record.durationNanoseconds
        audit.record(record)
        instruments.count(ended.outcome)
        return ToolCallResult(
            call: call,
            decision: decision,
            outcome: ended.outcome,
            value: ended.value,
            error: error,
            approver: approver,
            durationNanoseconds: duration
        )
    }

    static func outcome(of error: ExecutionError) -> (AuditRecord.Outcome, JSONValue?, String?) {
        switch error.code {
        case .timedOut: (.timedOut, nil, error.message)
        case .cancelled, .notStarted: (.cancelled, nil, error.message)
        default: (.failed, nil, error.cause.map { String(describing: $0) } ?? error.message)
        }
    }

    /// Asks the approver about a call held for approval and turns it into allowed (spending
    /// budget) or denied; returns who approved it.
    private func settle(
        _ held: GateDecision,
        _ call: ToolCall,
        _ session: AgentSession
    ) async -> (GateDecision, String?) {
        let answer = await ask(ApprovalRequest(session: session.facts, call: call, decision: held))
        var decision = held
        var approver: String?
        decision.step = .approval
        switch answer {
        case .approved(let by)?:
            if session.budget.reserve() {
                decision.verdict = .allowed
                decision.reason = "approved by \(ExactText.quotedForDisplay(by)) after: \(decision.reason)"
                approver = by
            } else {
                decision.verdict = .denied
                decision.step = .budget
                decision.reason = budgetSpent(session)
            }
        case .denied(let why)?:
            decision.verdict = .denied
            decision.reason = "the approver denied the call: \(why)"
        case nil:
            decision.verdict = .denied
            decision.reason = "no answer from the approver within \(options.approvalTimeout)"
        }
        decision.remainingCalls = session.budget.remaining
        return (decision, approver)
    }

    /// The approver's answer, or `nil` when it did not answer within the timeout or the caller
    /// was cancelled. An approver that ignores cancellation is not waited for.
    func ask(_ request: ApprovalRequest) async -> ApprovalAnswer? {
        let start = MonotonicClock.nanoseconds()
        defer { instruments.recordApprovalWait(nanoseconds: MonotonicClock.nanoseconds(since: start)) }
        let approver = self.approver
        let timeout = options.approvalTimeout
        let waiting = Locked<CheckedContinuation<ApprovalAnswer?, Never>?>(nil)
        let tasks = Locked<[Task<Void, Never>]>([])
        let finish: @Sendable (ApprovalAnswer?) -> Void = { answer in
            let continuation = waiting.withLock { slot in
                defer { slot = nil }
                return slot
            }
            guard let continuation else { return }
            for task in tasks.withLock({ $0 }) { task.cancel() }
            continuation.resume(returning: answer)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiting.withLock { $0 = continuation }
                let review = Task { finish(await approver.review(request)) }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    finish(nil)
                }
                tasks.withLock { $0 = [review, timer] }
                // An answer that came before the tasks were stored could not cancel them.
                if waiting.withLock({ $0 == nil }) {
                    review.cancel()
                    timer.cancel()
                }
                if Task.isCancelled { finish(nil) }
            }
        } onCancel: {
            finish(nil)
        }
    }
}
