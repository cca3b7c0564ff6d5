import VictorAuthorization
public import VictorEvents
import VictorExecution
import VictorLoading
public import VictorPersonas
public import VictorTelemetry

extension AgentRuntime {
    /// Builds a runtime from a configuration: the authorization configuration read and
    /// validated (none: every call denied), a directory persona store, the configured tools with
    /// the handler `handlers` gives each name (a tool without one is decided, and fails if run
    /// here), the executor's bound and timeout, and the audit file (plus the event bus, when one
    /// is given).
    /// - Parameters:
    ///   - configuration: what `victor.yaml` says.
    ///   - handlers: the handler of each tool, by name.
    ///   - approver: answers calls an approve policy holds.
    ///   - eventBus: where events go, when given.
    ///   - personaStore: where personas are kept; `nil` (the default) for the directory store
    ///     ``RuntimeConfiguration/personaStorePath`` names.
    ///   - auditSinks: where audit records go besides the file and the event bus.
    ///   - telemetry: the logger and the naming of the instruments.
    /// - Throws: ``RuntimeError/Code/invalidConfiguration`` when the authorization configuration
    ///   is invalid (with every problem), ``RuntimeError/Code/io`` when the audit file cannot be opened.
    public static func make(
        _ configuration: RuntimeConfiguration,
        handlers: [String: any ToolHandler] = [:],
        approver: any Approver = DenyingApprover(),
        eventBus: EventBus? = nil,
        personaStore: (any PersonaStore)? = nil,
        auditSinks: [any AuditSink] = [],
        telemetry: Telemetry = .standard
    ) async throws(RuntimeError) -> AgentRuntime {
        let authorization: AuthorizationConfiguration
        if let path = configuration.authorizationPath {
            do {
                authorization = try AuthorizationConfiguration.load(contentsOf: path)
            } catch {
                throw RuntimeError(.invalidConfiguration, error.description, cause: error)
            }
        } else {
            authorization = AuthorizationConfiguration()
        }
        let authorizer: Authorizer
        let executor: ParallelExecutor
        do {
            authorizer = try Authorizer(configuration: authorization, eventBus: eventBus, telemetry: telemetry)
        } catch {
            throw RuntimeError(.invalidConfiguration, error.description, cause: error)
        }
        do {
            executor = try ParallelExecutor(
                configuration: ExecutorConfiguration(
                    maxWorkers: configuration.maxConcurrentCalls,
                    taskTimeout: configuration.callTimeout
                ),
                eventBus: eventBus,
                telemetry: telemetry
            )
        } catch {
            throw RuntimeError(.invalidConfiguration, error.description, cause: error)
        }
        let tools = ToolRegistry(
            loader: ComponentLoader(
                configuration: LoaderConfiguration(maxCacheSize: configuration.maxLoadedTools),
                eventBus: eventBus,
                telemetry: telemetry
            )
        )
        for definition in configuration.tools {
            if let handler = handlers[definition.name] {
                try tools.register(definition, handler: handler)
            } else {
                try tools.register(definition)
            }
        }
        var sinks: [any AuditSink] = []
        if let path = configuration.auditPath {
            sinks.append(
                try JSONLinesAuditSink(path: path, options: configuration.auditOptions, logger: telemetry.logger)
            )
        }
        if let eventBus { sinks.append(EventBusAuditSink(bus: eventBus)) }
        sinks += auditSinks
        return AgentRuntime(
            tools: tools,
            personas: PersonaManager(
                store: personaStore
                    ?? DirectoryPersonaStore(directory: configuration.personaStorePath, logger: telemetry.logger),
                eventBus: eventBus,
                telemetry: telemetry
            ),
            authorizer: authorizer,
            executor: executor,
            approver: approver,
            audit: AuditSinks(sinks),
            options: RuntimeOptions(
                approvalTimeout: configuration.approvalTimeout,
                recordArguments: configuration.recordArguments
            ),
            telemetry: telemetry
        )
    }

    /// Writes every audit record taken and closes the audit sinks: call it on shutdown.
    public func shutdown() async throws(RuntimeError) {
        try await audit.close()
    }
}
