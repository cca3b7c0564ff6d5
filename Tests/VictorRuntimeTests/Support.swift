import Foundation
import Synchronization
import VictorAuthorization
import VictorExecution
import VictorPersonas
import VictorRuntime

/// Roles, users and policies the gate tests decide against.
let gateAuthorization = """
    roles:
      agent:
        permissions:
          - {resource: "tools/search", action: execute}
          - {resource: "tools/read_file", action: execute}
          - {resource: "tools/deploy", action: execute}
          - {resource: "tools/slow", action: execute}
          - {resource: "tools/fail", action: execute}
          - {resource: "tools/shell", action: execute}
          - {resource: "tools/noop", action: execute}
    users:
      alice: {roles: [agent]}
      mallory: {roles: []}
    policies:
      - name: no-secrets
        effect: deny
        resource: tools/read_file
        action: execute
        conditions: {context.args.path: {contains: secret}}
      # Search declares no policy arguments: if its query ever reached the authorizer, this would deny.
      - name: no-leaked-queries
        effect: deny
        resource: tools/search
        action: execute
        conditions: {context.args.query: {exists: true}}
      - name: confirm-prod-deploys
        effect: approve
        resource: tools/deploy
        action: execute
        conditions: {context.args.env: prod}
    """

/// Personas: one with a budget, one that forbids the shell, one with an allow-list.
let gatePersonas: [Persona] = [
    Persona(
        id: "worker",
        name: "Worker",
        description: "Does the work",
        personality: .pragmatic,
        communicationStyle: .direct,
        constraints: PersonaConstraints(maxToolCalls: 3, forbiddenTools: ["shell"])
    ),
    Persona(
        id: "unlimited",
        name: "Unlimited",
        description: "No budget",
        personality: .pragmatic,
        communicationStyle: .direct
    ),
    Persona(
        id: "reader",
        name: "Reader",
        description: "Only reads",
        personality: .cautious,
        communicationStyle: .formal,
        constraints: PersonaConstraints(allowedTools: ["read_file", "search"])
    ),
]

/// Counts the calls a handler received.
final class CallCounter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// A runtime over the fixtures, with an in-memory audit trail.
struct GateFixture {
    let runtime: AgentRuntime
    let audit: MemoryAuditSink
    let calls: CallCounter

    init(
        approver: any Approver = DenyingApprover(),
        options: RuntimeOptions = RuntimeOptions(),
        taskTimeout: Duration? = nil,
        maxToolCalls: Int? = nil,
        extraPersonas: [Persona] = []
    ) throws {
        let tools = ToolRegistry()
        let calls = CallCounter()
        let echo = ClosureToolHandler { arguments, _ in
            calls.add()
            return ["echo": arguments]
        }
        try tools.register(
            ToolDefinition(
                name: "search",
                description: "Searches",
                inputSchema: ToolSchema([
                    "type": "object",
                    "properties": [
                        "query": ["type": "string", "minLength": 1], "limit": ["type": "integer", "maximum": 50],
                    ],
                    "required": ["query"],
                    "additionalProperties": false,
                ])
            ),
            handler: echo
        )
        try tools.register(
            ToolDefinition(
                name: "read_file",
                inputSchema: ToolSchema([
                    "type": "object", "properties": ["path": ["type": "string"]], "required": ["path"],
                ]),
                policyArguments: ["path"]
            ),
            handler: echo
        )
        try tools.register(
            ToolDefinition(
                name: "deploy",
                inputSchema: ToolSchema(["type": "object", "properties": ["env": ["enum": ["dev", "prod"]]]]),
                policyArguments: ["env"]
            ),
            handler: echo
        )
        try tools.register(ToolDefinition(name: "shell"), handler: echo)
        try tools.register(ToolDefinition(name: "noop"), handler: echo)
        try tools.register(
            ToolDefinition(name: "slow"),
            handler: ClosureToolHandler { _, _ in
                try await Task.sleep(for: .seconds(30))
                return .null
            }
        )
        try tools.register(
            ToolDefinition(name: "fail"),
            handler: ClosureToolHandler { _, _ in throw ToolFailure() }
        )
        var personas = gatePersonas + extraPersonas
        if let maxToolCalls { personas[0].constraints.maxToolCalls = maxToolCalls }
        let audit = MemoryAuditSink()
        runtime = AgentRuntime(
            tools: tools,
            personas: PersonaManager(store: InMemoryPersonaStore(personas: personas)),
            authorizer: try Authorizer(
                configuration: AuthorizationConfiguration.parse(gateAuthorization, file: "gate.yaml")
            ),
            executor: try ParallelExecutor(
                configuration: ExecutorConfiguration(maxWorkers: 4, taskTimeout: taskTimeout)
            ),
            approver: approver,
            audit: audit,
            options: options
        )
        self.audit = audit
        self.calls = calls
    }
}

struct ToolFailure: Error, CustomStringConvertible {
    var description: String { "the tool broke" }
}
