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
        var record = record(
            .outcome,
            call,
            call.arguments.normalized(),
            decision,
            session,
            approver: nil,
            outcome: outcome,
            error: error,
            start: MonotonicClock.nanoseconds()
        )
        record.durationNanoseconds = max(0, duration.totalNanoseconds)
        audit.record(record)
    }
}
