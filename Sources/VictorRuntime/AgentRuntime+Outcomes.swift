import VictorDocuments
import VictorTelemetry

extension AgentRuntime {
    /// Records how a call decided by ``authorize(_:in:)`` and run elsewhere ended: one
    /// ``AuditRecord`` with event ``AuditRecord/Event/outcome`` beside the decision's record.
    ///
    /// Nothing is decided again and no budget is spent; the caller passes the decision it got.
    /// - Parameters:
    ///   - outcome: how the call ended.
    ///   - call: the call as it was authorized (its id, tool and arguments).
    ///   - decision: the decision ``authorize(_:in:)`` returned for it.
    ///   - session: the session the call was made in.
    ///   - error: what went wrong, for a failed call.
    ///   - duration: how long the call ran, as the caller measured it.
    public func recordOutcome(
        _ outcome: AuditRecord.Outcome,
        of call: ToolCall,
        decision: GateDecision,
        in session: AgentSession,
        error: String? = nil,
        duration: Duration = .zero
    ) {
        audit.record(
            outcomeRecord(outcome, call, call.arguments.normalized(), decision, session, error, duration)
        )
    }

    /// The outcome record of `call`, with the duration the caller measured.
    private func outcomeRecord(
        _ outcome: AuditRecord.Outcome,
        _ call: ToolCall,
        _ arguments: JSONValue,
        _ decision: GateDecision,
        _ session: AgentSession,
        _ error: String?,
        _ duration: Duration
    ) -> AuditRecord {
        var record = record(
            .outcome,
            call,
            arguments,
            decision,
            session,
            approver: nil,
            outcome: outcome,
            error: error,
            start: MonotonicClock.nanoseconds()
        )
        record.durationNanoseconds = max(0, duration.totalNanoseconds)
        return record
    }
}

extension AgentRuntime {
    /// Records how a call ended from its receipt, in a session this runtime holds (such as one
    /// restored from a shared store): one ``AuditRecord`` with event
    /// ``AuditRecord/Event/outcome``, as ``recordOutcome(_:of:decision:in:error:duration:)``
    /// writes it, but with the arguments' digest only, never the arguments.
    /// - Parameters:
    ///   - outcome: how the call ended.
    ///   - receipt: the receipt of the allowed call, opened.
    ///   - session: the session the receipt names.
    ///   - error: what went wrong, for a failed call.
    ///   - duration: how long the call ran, as the caller measured it.
    /// - Throws: ``RuntimeError/Code/invalidReceipt`` when the receipt names another session.
    public func recordOutcome(
        _ outcome: AuditRecord.Outcome,
        receipt: OutcomeReceipt,
        in session: AgentSession,
        error: String? = nil,
        duration: Duration = .zero
    ) throws(RuntimeError) {
        guard receipt.session == session.id else {
            throw RuntimeError(
                .invalidReceipt,
                "the receipt is for session \(ExactText.quotedForDisplay(receipt.session)), "
                    + "not \(ExactText.quotedForDisplay(session.id))"
            )
        }
        let decision = GateDecision(
            verdict: .allowed,
            step: receipt.step,
            reasonText: GateReason(receipt.reason),
            authorization: nil,
            violations: [],
            remainingCalls: nil
        )
        var record = outcomeRecord(
            outcome,
            ToolCall(id: receipt.callID, tool: receipt.tool),
            [:],
            decision,
            session,
            error,
            duration
        )
        record.argumentsDigest = receipt.argumentsDigest
        record.arguments = nil
        record.policy = receipt.policy
        audit.record(record)
    }
}
