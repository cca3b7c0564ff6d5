/// Decides calls that an approve policy holds for a person's approval.
///
/// The runtime asks and waits up to ``RuntimeOptions/approvalTimeout``; an approver that does
/// not answer in time is cancelled and the call is denied. An approver should answer
/// ``ApprovalAnswer/denied(_:)`` when unsure: the gate fails closed.
public protocol Approver: Sendable {
    /// Answers one request.
    func review(_ request: ApprovalRequest) async -> ApprovalAnswer
}

/// What an approver is asked to decide.
public struct ApprovalRequest: Sendable {
    /// The session's facts.
    public let session: SessionFacts
    /// The call held for approval.
    public let call: ToolCall
    /// The gate's decision: approval required, with the holding policy.
    public let decision: GateDecision
}

/// An approver's answer.
public enum ApprovalAnswer: Sendable, Hashable {
    /// The call may run; `approver` names who approved it, for the audit trail.
    case approved(by: String)
    /// The call must not run, and why.
    case denied(String)
}

/// The default approver: denies every request, saying that none is configured.
public struct DenyingApprover: Approver {
    /// Creates the approver.
    public init() {}

    /// Denies.
    public func review(_ request: ApprovalRequest) async -> ApprovalAnswer {
        .denied("no approver is configured")
    }
}

/// An approver made of a closure.
public struct ClosureApprover: Approver {
    let body: @Sendable (ApprovalRequest) async -> ApprovalAnswer

    /// Creates an approver that runs `body`.
    public init(_ body: @escaping @Sendable (ApprovalRequest) async -> ApprovalAnswer) {
        self.body = body
    }

    /// Runs the closure.
    public func review(_ request: ApprovalRequest) async -> ApprovalAnswer {
        await body(request)
    }
}
