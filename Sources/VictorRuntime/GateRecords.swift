/// A gate decision as JSON: what `victor tools check --format json` prints and the service
/// returns.
public struct GateDecisionRecord: Encodable, Sendable, Hashable {
    /// `allowed`, `denied` or `approval_required`.
    public var verdict: String
    /// The deciding step.
    public var step: String
    /// Why, in one line.
    public var reason: String
    /// The deciding policy, or `null`.
    public var policy: String?
    /// The schema violations, `PATH: message` each; empty unless the schema decided.
    public var violations: [String]
    /// Calls the session has left, or `null` for no limit.
    public var remainingCalls: Int?
    /// Every step the gate took, for an explanation; omitted otherwise.
    public var steps: [String]?

    /// The record of `decision`.
    public init(_ decision: GateDecision, steps: [String]? = nil) {
        verdict = decision.verdict.rawValue
        step = decision.step.rawValue
        reason = decision.reason
        policy = decision.policy
        violations = decision.violations.map(\.description)
        remainingCalls = decision.remainingCalls
        self.steps = steps
    }

    /// The record of an explanation: its decision and its steps.
    public init(_ explanation: GateExplanation) {
        self.init(explanation.decision, steps: explanation.steps)
    }

    enum CodingKeys: String, CodingKey {
        case verdict, step, reason, policy, violations, steps
        case remainingCalls = "remaining_calls"
    }

    /// Encodes every key, `policy` and `remaining_calls` as `null` when absent, `steps` only
    /// when present.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(step, forKey: .step)
        try container.encode(reason, forKey: .reason)
        try container.encode(policy, forKey: .policy)
        try container.encode(violations, forKey: .violations)
        try container.encode(remainingCalls, forKey: .remainingCalls)
        try container.encodeIfPresent(steps, forKey: .steps)
    }
}
