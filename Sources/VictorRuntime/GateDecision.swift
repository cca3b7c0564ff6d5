public import VictorAuthorization

/// The steps of the tool-call gate, in the order it takes them. The first step that refuses a
/// call decides it; a call that passes every step is allowed by ``policy`` (or by ``approval``).
public enum GateStep: String, Sendable, Hashable, CaseIterable, Codable {
    /// The call is well formed: a valid tool name, arguments that are a JSON object nesting at
    /// most ``ToolSchema/maximumDepth`` levels.
    case call
    /// The tool is registered.
    case registry
    /// The arguments satisfy the tool's input schema.
    case schema
    /// The session's persona does not forbid the tool, and lists it when it has an allow-list.
    case persona
    /// The session's `max_tool_calls` budget has room.
    case budget
    /// The authorizer allows `execute` on `tools/NAME` for the session's user and facts.
    case policy
    /// An approve policy held the call, and the approver answered (or did not in time).
    case approval
}

/// What the gate decided.
public enum GateVerdict: String, Sendable, Hashable, CaseIterable, Codable {
    /// The call may run.
    case allowed
    /// The call must not run.
    case denied
    /// The call may run once a person approves it.
    case approvalRequired = "approval_required"
}

/// The gate's decision on one call: the verdict, the step that decided it and why.
public struct GateDecision: Sendable, Hashable {
    /// Allowed, denied or approval required.
    public var verdict: GateVerdict
    /// The deciding step: the first that refused, or the last that allowed.
    public var step: GateStep
    /// Why, in one line.
    public var reason: String {
        get { reasonText.text }
        set { reasonText = GateReason(newValue) }
    }
    /// The reason as kept: a decision by the authorizer is kept as that decision.
    var reasonText: GateReason
    /// The authorizer's decision, when the call reached the policy step.
    public var authorization: Decision?
    /// How the arguments break the schema, for a ``GateStep/schema`` denial.
    public var violations: [SchemaViolation]
    /// The session's remaining calls after this decision; `nil` when it has no limit.
    public var remainingCalls: Int?

    /// Whether the call may run.
    public var allowed: Bool { verdict == .allowed }

    /// The deciding policy's name, when a policy decided.
    public var policy: String? { authorization?.policyName }

    static func denied(
        _ step: GateStep,
        _ reason: String,
        authorization: Decision? = nil,
        violations: [SchemaViolation] = [],
        remaining: Int?
    ) -> GateDecision {
        GateDecision(
            verdict: .denied,
            step: step,
            reasonText: GateReason(reason),
            authorization: authorization,
            violations: violations,
            remainingCalls: remaining
        )
    }
}

/// A request to call a tool, as an agent makes it.
public struct ToolCall: Sendable, Hashable {
    /// The call's id; the runtime makes one when it is empty.
    public var id: String
    /// The tool's name.
    public var tool: String
    /// The arguments: a JSON object.
    public var arguments: JSONValue

    /// Creates a call.
    public init(id: String = "", tool: String, arguments: JSONValue = [:]) {
        self.id = id
        self.tool = tool
        self.arguments = arguments
    }
}
