import Crypto
import Foundation
import Logging
public import VictorAuthorization
import VictorDocuments
import VictorEvents
public import VictorExecution
public import VictorPersonas
public import VictorTelemetry

/// How a runtime treats approvals and audit records.
public struct RuntimeOptions: Sendable, Hashable {
    /// How long a call held for approval waits for the approver before it is denied.
    public var approvalTimeout: Duration
    /// Whether audit records carry the arguments themselves, besides their digest.
    public var recordArguments: Bool

    /// Creates options.
    public init(approvalTimeout: Duration = .seconds(60), recordArguments: Bool = false) {
        self.approvalTimeout = approvalTimeout
        self.recordArguments = recordArguments
    }
}

/// The one gate every tool call an agent makes goes through: it decides, bounds, runs and
/// records.
///
/// A call is decided in the order of ``GateStep``; the first step that refuses decides:
/// 1. ``GateStep/call``: the tool name follows the exact-name rule, the arguments are a JSON
///    object nesting at most ``ToolSchema/maximumDepth`` levels;
/// 2. ``GateStep/registry``: the tool is registered;
/// 3. ``GateStep/schema``: the arguments satisfy its input schema (a schema belongs to a
///    registered tool, so this follows the registry);
/// 4. ``GateStep/persona``: the session's persona does not forbid the tool, and lists it when
///    it has an allow-list (`allowed_tools`);
/// 5. ``GateStep/budget``: the session's `max_tool_calls` budget has room;
/// 6. ``GateStep/policy``: the authorizer allows `execute` on `tools/NAME` for the session's
///    user, with the session's facts and the tool's policy arguments (`context.args.NAME`) as
///    context; an approve policy makes the verdict ``GateVerdict/approvalRequired``;
/// 7. ``GateStep/approval``: `call(_:in:)` asks the ``Approver`` and waits up to
///    ``RuntimeOptions/approvalTimeout``.
///
/// An allowed call spends one unit of the session's budget, atomically: of any number of
/// concurrent calls, exactly the budget's worth are allowed. Listing a session's tools applies
/// the steps that do not depend on arguments, so an agent is never shown a tool it could never
/// call. Every decision, and every call run, produces one ``AuditRecord``.
///
/// ```swift
/// let session = try await runtime.openSession(user: "alice", persona: "debugger")
/// let tools = runtime.tools(for: session)                  // what the model may see
/// let results = await runtime.call([ToolCall(tool: "search", arguments: ["query": "flaky"])], in: session)
/// ```
public final class AgentRuntime: Sendable {
    /// The registered tools.
    public let tools: ToolRegistry
    /// Where sessions get their personas.
    public let personas: PersonaManager
    /// What decides the policy step.
    public let authorizer: Authorizer
    /// What runs allowed calls: its bound, timeouts and cancellation apply.
    public let executor: ParallelExecutor
    /// The runtime's options.
    public let options: RuntimeOptions
    let approver: any Approver
    let audit: any AuditSink
    let instruments: RuntimeInstruments
    /// The time of day for records, from the monotonic reading that ends their duration.
    let wallClock = AnchoredWallClock()
    let logger: Logger

    /// Creates a runtime.
    /// - Parameters:
    ///   - tools: the tools agents may call.
    ///   - personas: where sessions get their personas.
    ///   - authorizer: decides the policy step.
    ///   - executor: runs allowed calls.
    ///   - approver: answers calls an approve policy holds; the default denies them all.
    ///   - audit: where records go (``JSONLinesAuditSink``, ``EventBusAuditSink``, several
    ///     through ``AuditSinks``).
    ///   - options: the approval timeout and whether records carry arguments.
    ///   - telemetry: the logger and the naming of the runtime's instruments:
    ///     `PREFIX_runtime_decisions_total` (dimensions `verdict` and `step`) and
    ///     `PREFIX_runtime_calls_total` (dimension `outcome`).
    public init(
        tools: ToolRegistry,
        personas: PersonaManager,
        authorizer: Authorizer,
        executor: ParallelExecutor,
        approver: any Approver = DenyingApprover(),
        audit: any AuditSink,
        options: RuntimeOptions = RuntimeOptions(),
        telemetry: Telemetry = .standard
    ) {
        self.tools = tools
        self.personas = personas
        self.authorizer = authorizer
        self.executor = executor
        self.approver = approver
        self.audit = audit
        self.options = options
        instruments = RuntimeInstruments(telemetry)
        logger = telemetry.logger
    }

    // MARK: Sessions

    /// Context keys the runtime sets itself; a session's context cannot carry them.
    public static let reservedContextKeys: Set<String> = ["persona", "persona_version", "session"]
    /// The prefix of the call's policy arguments in the policy context.
    public static let argumentPrefix = "args."

    /// Opens a session: adapts the persona to the context once and fixes the session's facts.
    /// - Parameters:
    ///   - user: the user the agent acts for.
    ///   - persona: the persona's id.
    ///   - context: facts about the session: policies read them as `context.NAME`, and their
    ///     string values adapt the persona (`task_type`, `urgency`, …).
    ///   - id: the session's id; a new UUID when `nil`.
    /// - Throws: ``RuntimeError/Code/invalidArgument`` for an empty user or a reserved context
    ///   key (`persona`, `persona_version`, `session`, `args.…`);
    ///   ``RuntimeError/Code/persona`` when the persona cannot be loaded.
    public func openSession(
        user: String,
        persona: String,
        context: [String: AttributeValue] = [:],
        id: String? = nil
    ) async throws(RuntimeError) -> AgentSession {
        try await makeSession(user: user, persona: persona, version: nil, context: context, id: id, startedAt: nil)
    }

    /// Opens again a session another process opened, from the facts it fixed: the persona's
    /// version the session adapted (not the newest), the same context, id and start time. Its
    /// budget starts at `used` calls; with a shared budget the ledger stays the judge.
    /// - Parameters:
    ///   - facts: the facts the session was opened with.
    ///   - context: the context it was opened with.
    ///   - used: calls the session has spent so far.
    /// - Throws: as ``openSession(user:persona:context:id:)``, and
    ///   ``RuntimeError/Code/persona`` when that version of the persona is gone.
    public func restoreSession(
        _ facts: SessionFacts,
        context: [String: AttributeValue],
        used: Int = 0
    ) async throws(RuntimeError) -> AgentSession {
        let session = try await makeSession(
            user: facts.user,
            persona: facts.personaID,
            version: facts.personaVersion,
            context: context,
            id: facts.id,
            startedAt: facts.startedAt
        )
        session.budget.observe(used: used)
        return session
    }

    private func makeSession(
        user: String,
        persona: String,
        version: Int?,
        context: [String: AttributeValue],
        id: String?,
        startedAt: Date?
    ) async throws(RuntimeError) -> AgentSession {
        let user = ExactText.normalized(user)
        guard !user.isEmpty else { throw RuntimeError(.invalidArgument, "a session needs a user") }
        if let (_, scalar) = ExactText.firstForbiddenInName(user) {
            throw RuntimeError(
                .invalidArgument,
                "user \(ExactText.quotedForDisplay(user)) contains \(ExactText.codePoint(scalar)), which names cannot hold"
            )
        }
        var facts: [String: AttributeValue] = [:]
        var adaptation: [String: String] = [:]
        for (key, value) in context {
            let key = ExactText.normalized(key)
            if Self.reservedContextKeys.contains(key) || ExactText.hasPrefix(key, Self.argumentPrefix) {
                throw RuntimeError(
                    .invalidArgument,
                    "context key \(ExactText.quotedForDisplay(key)) is reserved: the runtime sets it from the session"
                )
            }
            facts[key] = value
            if case .string(let text) = value { adaptation[key] = ExactText.normalized(text) }
        }
        let adapted: AdaptedPersona
        do {
            let context = PersonaContext(adaptation)
            if let version {
                adapted = personas.adapt(
                    try await personas.load(ExactText.normalized(persona), version: version),
                    to: context
                )
            } else {
                adapted = try await personas.adapt(ExactText.normalized(persona), to: context)
            }
        } catch {
            throw RuntimeError(.persona, error.message, cause: error)
        }
        let sessionID = id.map(ExactText.normalized) ?? UUID().uuidString.lowercased()
        facts["persona"] = .string(adapted.base.id)
        facts["persona_version"] = .integer(adapted.base.version)
        facts["session"] = .string(sessionID)
        return AgentSession(
            facts: SessionFacts(
                id: sessionID,
                user: user,
                personaID: adapted.base.id,
                personaVersion: adapted.base.version,
                startedAt: startedAt ?? Date()
            ),
            persona: adapted,
            policyContext: facts,
            budget: ToolCallBudget(limit: adapted.constraints.maxToolCalls)
        )
    }

    /// The tools the session could call: registered, not forbidden by its persona, within its
    /// budget, and allowed (or held for approval) by policy for some arguments. Ordered by name.
    public func tools(for session: AgentSession) -> [ToolDefinition] {
        guard session.budget.hasRoom else { return [] }
        return tools.definitions.filter { definition in
            personaRefusal(definition.name, session) == nil
                && authorizer.couldAllow(
                    user: session.facts.user,
                    resource: definition.resource,
                    action: "execute",
                    context: session.policyContext,
                    undecidedPrefix: Self.argumentPrefix
                )
        }
    }

    // MARK: Deciding

    /// Decides one call, spends budget when it is allowed, and records the decision, without
    /// running the call or asking an approver: for calls run elsewhere (the service, a gateway).
    /// A call held for approval is returned as ``GateVerdict/approvalRequired``.
    public func authorize(_ call: ToolCall, in session: AgentSession) -> GateDecision {
        let start = MonotonicClock.nanoseconds()
        let (decision, call, arguments) = decide(call, in: session)
        recordDecision(decision, call, arguments, session, start: start)
        return decision
    }

    /// Decides one call as ``authorize(_:in:)`` does, but spends from `budget`, a budget shared
    /// with other processes, instead of this process's count. Only a call every other step allows
    /// reaches the shared budget, and only when the session has a limit; when the budget cannot be
    /// reached the call is denied at the budget step, with the reason.
    /// - Parameters:
    ///   - call: the call.
    ///   - session: the session it belongs to.
    ///   - budget: where the session's calls are counted.
    public func authorize(_ call: ToolCall, in session: AgentSession, budget: any SharedBudget) async -> GateDecision {
        let start = MonotonicClock.nanoseconds()
        var trace: [String]? = nil
        var (decision, call, arguments) = decide(call, in: session, reserve: false, trace: &trace)
        if decision.verdict == .allowed, let limit = session.maxToolCalls {
            do {
                switch try await budget.spend(session: session.id) {
                case .allowed(let used):
                    session.budget.observe(used: used)
                    decision.remainingCalls = max(0, limit - used)
                case .spent:
                    session.budget.observe(used: limit)
                    decision = .denied(
                        .budget,
                        budgetSpent(session),
                        authorization: decision.authorization,
                        remaining: 0
                    )
                case .unknownSession:
                    decision = .denied(
                        .budget,
                        "the shared budget has no session \(ExactText.quotedForDisplay(session.id))",
                        authorization: decision.authorization,
                        remaining: 0
                    )
                }
            } catch {
                decision = .denied(
                    .budget,
                    "the shared budget could not be spent, so the call is denied: \(error)",
                    authorization: decision.authorization,
                    remaining: session.budget.remaining
                )
            }
        } else if decision.verdict == .allowed {
            _ = session.budget.reserve()
        }
        recordDecision(decision, call, arguments, session, start: start)
        return decision
    }

    /// Counts a decision and puts its audit record in the trail.
    private func recordDecision(
        _ decision: GateDecision,
        _ call: ToolCall,
        _ arguments: JSONValue,
        _ session: AgentSession,
        start: UInt64
    ) {
        instruments.count(decision)
        audit.record(
            record(.decision, call, arguments, decision, session, approver: nil, outcome: nil, error: nil, start: start)
        )
    }

    /// Decides one call the way ``authorize(_:in:)`` does, without spending budget or recording
    /// anything, and lists every step with what it found.
    public func explain(_ call: ToolCall, in session: AgentSession) -> GateExplanation {
        var trace: [String]? = []
        let (decision, call, arguments) = decide(call, in: session, reserve: false, trace: &trace)
        var steps = trace ?? []
        if decision.step == .policy || decision.step == .approval, let definition = tools.definition(named: call.tool) {
            // The context the policy step read: the session's facts and the call's policy arguments.
            let context = session.normalizedContext.adding(argumentFacts(definition, arguments))
            steps += authorizer.explain(
                user: session.facts.user,
                resource: definition.resource,
                action: "execute",
                context: context.values
            )
            .steps.map { "  " + $0 }
        }
        return GateExplanation(decision: decision, steps: steps)
    }

    func decide(_ call: ToolCall, in session: AgentSession) -> (GateDecision, ToolCall, JSONValue) {
        var trace: [String]? = nil
        return decide(call, in: session, reserve: true, trace: &trace)
    }

    /// The gate itself: the call with its name in NFC and an id, its arguments in NFC, and the
    /// decision. `trace`, when not `nil`, collects a line per step.
    func decide(
        _ call: ToolCall,
        in session: AgentSession,
        reserve: Bool,
        trace: inout [String]?
    ) -> (GateDecision, ToolCall, JSONValue) {
        var call = call
        call.tool = ExactText.normalized(call.tool)
        if call.id.isEmpty { call.id = UUID().uuidString.lowercased() }
        let noArguments = call.arguments.isEmptyObject
        let arguments = noArguments ? call.arguments : call.arguments.normalized()
        // The registry lends the tool's entry for the decision, so deciding counts no references
        // to it.
        let decision = tools.withEntry(named: call.tool) { entry in
            decide(call.tool, arguments, noArguments: noArguments, entry, session, reserve: reserve, trace: &trace)
        } otherwise: {
            refuseUnregistered(call.tool, arguments, noArguments: noArguments, session, trace: &trace)
        }
        return (decision, call, arguments)
    }

    /// Why the arguments make a malformed call, or `nil`: they must be an object, nested no
    /// deeper than schemas are read.
    private func malformedArguments(_ arguments: JSONValue, noArguments: Bool) -> String? {
        guard case .object = arguments else {
            return "the arguments must be a JSON object, not \(arguments.typeName)"
        }
        guard noArguments || arguments.depth <= ToolSchema.maximumDepth else {
            return "the arguments nest deeper than \(ToolSchema.maximumDepth) levels"
        }
        return nil
    }

    /// Steps 1 and 2 for a tool the registry does not know: the name rule (a registered name
    /// passed it when it was registered), the arguments' shape, and the registry's refusal.
    private func refuseUnregistered(
        _ tool: String,
        _ arguments: JSONValue,
        noArguments: Bool,
        _ session: AgentSession,
        trace: inout [String]?
    ) -> GateDecision {
        let remaining = session.budget.remaining
        do throws(RuntimeError) {
            try ToolDefinition.checkName(tool)
        } catch {
            trace?.append("call: \(error.message)")
            return .denied(.call, error.message, remaining: remaining)
        }
        if let reason = malformedArguments(arguments, noArguments: noArguments) {
            trace?.append("call: \(reason)")
            return .denied(.call, reason, remaining: remaining)
        }
        trace?.append("call: tool name and arguments are well formed")
        let reason = "no tool named \(ExactText.quotedForDisplay(tool)) is registered"
        trace?.append("registry: \(reason)")
        return .denied(.registry, reason, remaining: remaining)
    }

    /// The gate's steps for a call of the registered tool `tool` (in NFC) with `arguments` (in
    /// NFC), its registry entry lent by the caller.
    private func decide(
        _ tool: String,
        _ arguments: JSONValue,
        noArguments: Bool,
        _ entry: ToolRegistry.Entry,
        _ session: AgentSession,
        reserve: Bool,
        trace: inout [String]?
    ) -> GateDecision {
        let remaining = session.budget.remaining
        var shown: String { ExactText.quotedForDisplay(tool) }

        // 1. A well-formed call.
        if let reason = malformedArguments(arguments, noArguments: noArguments) {
            trace?.append("call: \(reason)")
            return .denied(.call, reason, remaining: remaining)
        }
        trace?.append("call: tool name and arguments are well formed")

        // 2. A registered tool.
        trace?.append("registry: \(shown) is registered")

        // 3. Arguments that satisfy the schema.
        let violations = entry.definition.inputSchema.violations(ofBounded: arguments)
        if !violations.isEmpty {
            let reason =
                "the arguments do not match the input schema of \(shown): "
                + violations.prefix(5).map(\.description).joined(separator: "; ")
            trace?.append("schema: \(reason)")
            return .denied(.schema, reason, violations: violations, remaining: remaining)
        }
        trace?.append("schema: the arguments match")

        // 4. The persona.
        if let refusal = personaRefusal(tool, session) {
            trace?.append("persona: \(refusal)")
            return .denied(.persona, refusal, remaining: remaining)
        }
        trace?.append("persona: \(ExactText.quotedForDisplay(session.facts.personaID)) allows \(shown)")

        // 5. The budget.
        guard session.budget.hasRoom else {
            let reason = budgetSpent(session)
            trace?.append("budget: \(reason)")
            return .denied(.budget, reason, remaining: 0)
        }
        trace?.append("budget: \(session.remainingCalls.map { "\($0) calls left" } ?? "no limit")")

        // 6. The policy. The session's context is passed as it is kept, not copied, when the tool
        // has no policy arguments.
        let authorization =
            entry.definition.policyArguments.isEmpty
            ? authorizer.check(session.preparedUser, entry.access, normalizedContext: session.normalizedContext)
            : authorizer.check(
                session.preparedUser,
                entry.access,
                normalizedContext: session.normalizedContext.adding(argumentFacts(entry.definition, arguments))
            )
        trace?.append("policy: \(authorization.message)")
        let reason = GateReason(messageOf: authorization)
        if authorization.reason == .approvalRequired {
            return GateDecision(
                verdict: .approvalRequired,
                step: .policy,
                reasonText: reason,
                authorization: authorization,
                violations: [],
                remainingCalls: remaining
            )
        }
        guard authorization.allowed else {
            return GateDecision(
                verdict: .denied,
                step: .policy,
                reasonText: reason,
                authorization: authorization,
                violations: [],
                remainingCalls: remaining
            )
        }
        if reserve, !session.budget.reserve() {
            let reason = budgetSpent(session)
            trace?.append("budget: \(reason)")
            return .denied(.budget, reason, authorization: authorization, remaining: 0)
        }
        return GateDecision(
            verdict: .allowed,
            step: .policy,
            reasonText: reason,
            authorization: authorization,
            violations: [],
            remainingCalls: session.budget.remaining
        )
    }

    /// Why the persona refuses the tool, or `nil` when it does not: it forbids the tool, or
    /// has an allow-list without it.
    func personaRefusal(_ tool: String, _ session: AgentSession) -> String? {
        if session.forbiddenTools.contains(tool) {
            return
                "persona \(ExactText.quotedForDisplay(session.facts.personaID)) forbids \(ExactText.quotedForDisplay(tool))"
        }
        if session.allowedTools?.contains(tool) == false, let allowed = session.persona.constraints.allowedTools {
            return "persona \(ExactText.quotedForDisplay(session.facts.personaID)) allows only "
                + (allowed.isEmpty
                    ? "no tools" : allowed.sorted().map(ExactText.quotedForDisplay).joined(separator: ", "))
        }
        return nil
    }

    func budgetSpent(_ session: AgentSession) -> String {
        "the session's budget of \(session.maxToolCalls ?? 0) tool calls is spent"
    }

    /// The tool's policy arguments among `arguments`, keyed `args.NAME`.
    func argumentFacts(_ definition: ToolDefinition, _ arguments: JSONValue) -> [String: AttributeValue] {
        var facts: [String: AttributeValue] = [:]
        for name in definition.policyArguments {
            if let value = arguments[name]?.attributeValue { facts[Self.argumentPrefix + name] = value }
        }
        return facts
    }

    // MARK: Records

    // Out of line: inlined into `authorize`, the record was built and then copied into the sink's
    // argument.
    @inline(never)
    func record(
        _ event: AuditRecord.Event,
        _ call: ToolCall,
        _ arguments: JSONValue,
        _ decision: GateDecision,
        _ session: AgentSession,
        approver: String?,
        outcome: AuditRecord.Outcome?,
        error: String?,
        start: UInt64
    ) -> AuditRecord {
        let now = MonotonicClock.nanoseconds()
        return AuditRecord(
            event: event,
            milliseconds: wallClock.milliseconds(atMonotonic: now),
            session: session.facts.id,
            user: session.facts.user,
            persona: session.facts.personaID,
            personaVersion: session.facts.personaVersion,
            callID: call.id,
            tool: call.tool,
            argumentsDigest: Self.digest(arguments),
            arguments: options.recordArguments ? arguments : nil,
            verdict: decision.verdict,
            step: decision.step,
            reasonText: decision.reasonText,
            policy: decision.policy,
            approver: approver,
            outcome: outcome,
            error: error,
            durationNanoseconds: Int64(clamping: now > start ? now &- start : 0)
        )
    }

    /// The digest of `{}`, the arguments of most calls, as a literal: a literal string is
    /// immortal, so copying it into a record and dropping it there counts no references.
    static let emptyObjectDigest = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

    /// The SHA-256 of the arguments' canonical JSON, in lowercase hex.
    public static func digest(_ arguments: JSONValue) -> String {
        if case .object(let members) = arguments, members.isEmpty { return emptyObjectDigest }
        return hexDigest(Array(arguments.canonicalJSON.utf8))
    }

    package static func hexDigest(_ bytes: [UInt8]) -> String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A decision with every step the gate took, for `victor tools check` and the service's
/// explain endpoint.
public struct GateExplanation: Sendable {
    /// The decision.
    public var decision: GateDecision
    /// One line per step, the authorizer's own steps indented under the policy step.
    public var steps: [String]
}
