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
        await self.call([call], in: session)[0]
    }

    /// Decides every call, asks the approver about those an approve policy holds, runs the
    /// allowed ones through the executor (its worker bound, timeouts and cancellation apply, and
    /// one failing tool never affects another), and records one audit record per call.
    /// - Returns: one result per call, in the order of `calls`.
    public func call(_ calls: [ToolCall], in session: AgentSession) async -> [ToolCallResult] {
        let start = MonotonicClock.nanoseconds()
        var decided = calls.map { decide($0, in: session) }
        var approvers = [String?](repeating: nil, count: calls.count)
        await settleApprovals(&decided, &approvers, session)
        for (decision, _, _) in decided { instruments.count(decision) }

        let runnable = decided.indices.filter { decided[$0].0.allowed }
        let tasks = runnable.map { index in
            let (_, call, arguments) = decided[index]
            let tools = self.tools
            let facts = session.facts
            return ExecutionTask<JSONValue> {
                guard let entry = tools.entry(named: call.tool) else {
                    throw RuntimeError(
                        .unknownTool,
                        "tool \(ExactText.quotedForDisplay(call.tool)) is no longer registered"
                    )
                }
                let handler = try await tools.handler(entry)
                return try await handler.call(arguments, context: ToolCallContext(session: facts, callID: call.id))
            }
        }
        let report = tasks.isEmpty ? nil : await executor.run(tasks)
        var outcomes = [(AuditRecord.Outcome, JSONValue?, String?)](
            repeating: (.notRun, nil, nil),
            count: calls.count
        )
        for (position, index) in runnable.enumerated() {
            switch report!.results[position] {
            case .success(let value): outcomes[index] = (.succeeded, value, nil)
            case .failure(let error): outcomes[index] = Self.outcome(of: error)
            }
        }
        var results: [ToolCallResult] = []
        results.reserveCapacity(calls.count)
        for index in calls.indices {
            let (decision, call, arguments) = decided[index]
            let (outcome, value, error) = outcomes[index]
            let record = record(
                .call,
                call,
                arguments,
                decision,
                session,
                approver: approvers[index],
                outcome: outcome,
                error: error ?? (decision.allowed ? nil : decision.reason),
                start: start
            )
            audit.record(record)
            instruments.count(outcome)
            results.append(
                ToolCallResult(
                    call: call,
                    decision: decision,
                    outcome: outcome,
                    value: value,
                    error: error ?? (decision.allowed ? nil : decision.reason),
                    approver: approvers[index],
                    durationNanoseconds: record.durationNanoseconds
                )
            )
        }
        return results
    }

    static func outcome(of error: ExecutionError) -> (AuditRecord.Outcome, JSONValue?, String?) {
        switch error.code {
        case .timedOut: (.timedOut, nil, error.message)
        case .cancelled, .notStarted: (.cancelled, nil, error.message)
        default: (.failed, nil, error.cause.map { String(describing: $0) } ?? error.message)
        }
    }

    /// Asks the approver about every call held for approval, at once, and turns each into
    /// allowed (spending budget) or denied.
    private func settleApprovals(
        _ decided: inout [(GateDecision, ToolCall, JSONValue)],
        _ approvers: inout [String?],
        _ session: AgentSession
    ) async {
        let held = decided.indices.filter { decided[$0].0.verdict == .approvalRequired }
        guard !held.isEmpty else { return }
        let requests = held.map { index in
            (index, ApprovalRequest(session: session.facts, call: decided[index].1, decision: decided[index].0))
        }
        let answers = await withTaskGroup(of: (Int, ApprovalAnswer?).self) { group in
            for (index, request) in requests {
                group.addTask { (index, await self.ask(request)) }
            }
            var answers: [(Int, ApprovalAnswer?)] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        for (index, answer) in answers {
            var decision = decided[index].0
            decision.step = .approval
            switch answer {
            case .approved(let by)?:
                if session.budget.reserve() {
                    decision.verdict = .allowed
                    decision.reason = "approved by \(ExactText.quotedForDisplay(by)) after: \(decision.reason)"
                    approvers[index] = by
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
            decided[index].0 = decision
        }
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
