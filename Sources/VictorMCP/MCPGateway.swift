import Foundation
public import Logging
public import MCP
public import VictorAuthorization
import VictorDocuments
import VictorEvents
import VictorExecution
import VictorLocks
import VictorPersonas
public import VictorRuntime
import VictorTelemetry

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An MCP server that puts the runtime's gate between one agent session and its MCP servers
/// (the upstreams).
///
/// - **tools/list** offers the upstreams' tools as `UPSTREAM.TOOL`, each registered in the
///   runtime's `ToolRegistry` with its input schema, and shows only those
///   `AgentRuntime.tools(for:)` lets the session call. A tool whose schema uses a keyword the
///   gate cannot enforce is not offered (a warning is logged): the gateway fails closed.
/// - **tools/call** is decided by `AgentRuntime.authorize(_:in:)` — schema, persona, budget,
///   policy — and only an allowed call is forwarded, through the runtime's executor (its bound
///   on calls at once and its timeout apply) within the upstream's own bound. A denial is a
///   result with `isError: true` whose text names the deciding step and the reason; a call an
///   approve policy holds is denied, since the gateway has no approver. A timed-out or
///   cancelled call is cancelled upstream with `notifications/cancelled`. Every call's id is
///   `UPSTREAM:REQUEST-ID`, so its audit records name the upstream and the MCP request.
/// - **prompts** offers each persona the session may use: its own, and every stored persona
///   the authorizer could allow the user to `use` (resource `personas/ID`); the text is the
///   persona's system prompt adapted to the session's context.
/// - `notifications/tools/list_changed` is sent after an upstream announced a new list and the
///   gateway has read it, and after the authorization configuration changed (such as on
///   ``reloadAuthorization()``), since that changes which tools the session may call.
public final class MCPGateway: Sendable {
    /// A tool the gateway offers.
    struct Offer: Sendable, Equatable {
        let upstream: String
        let tool: Tool
        let definition: ToolDefinition
    }

    /// The origin the gateway registers upstream tools under (`ToolRegistry.replace`).
    static let toolOrigin = "the MCP gateway"

    /// The runtime whose gate decides every call.
    public let runtime: AgentRuntime
    /// The session every call is made in.
    public let session: AgentSession
    let pool: UpstreamPool
    let logger: Logger
    /// Whether ``shutdown()`` closes the runtime too: not when the runtime is shared.
    let ownsRuntime: Bool
    /// Whether ``shutdown()`` stops the upstreams too: not when the pool is shared.
    let ownsPool: Bool
    /// The pool's id for this gateway's tool-list observer.
    private let observer = Locked<UInt64?>(nil)
    /// Per upstream that has listed its tools, its offers by gateway name.
    private let catalog = Locked<[String: [String: Offer]]>([:])
    private let server = Locked<Server?>(nil)

    init(
        runtime: AgentRuntime,
        session: AgentSession,
        pool: UpstreamPool,
        logger: Logger,
        ownsRuntime: Bool = true,
        ownsPool: Bool = true
    ) {
        self.runtime = runtime
        self.session = session
        self.pool = pool
        self.logger = logger
        self.ownsRuntime = ownsRuntime
        self.ownsPool = ownsPool
        let id = pool.observeTools { [weak self] upstream, tools in self?.update(upstream, tools: tools) }
        observer.withLock { $0 = id }
    }

    /// Builds the runtime from the configuration and opens the session.
    /// - Parameters:
    ///   - configuration: the gateway's configuration: the runtime's files, the upstreams and
    ///     the session's defaults.
    ///   - user: the session's user; the configuration's `mcp.session.user` when `nil`.
    ///   - persona: the session's persona; the configuration's `mcp.session.persona` when `nil`.
    ///   - context: session facts, over the configuration's `mcp.session.context`.
    ///   - logger: where the gateway and its upstreams log (standard error, for `victor mcp`).
    /// - Throws: ``MCPGatewayError/Code/invalidArgument`` without a user or persona;
    ///   ``MCPGatewayError/Code/invalidConfiguration`` when the runtime cannot be built or the
    ///   session opened.
    public static func make(
        _ configuration: MCPConfiguration,
        user: String? = nil,
        persona: String? = nil,
        context: [String: AttributeValue] = [:],
        logger: Logger
    ) async throws(MCPGatewayError) -> MCPGateway {
        guard let user = user ?? configuration.user else {
            throw MCPGatewayError(.invalidArgument, "the session needs a user: --user or mcp.session.user")
        }
        guard let persona = persona ?? configuration.persona else {
            throw MCPGatewayError(.invalidArgument, "the session needs a persona: --persona or mcp.session.persona")
        }
        let runtime: AgentRuntime
        let session: AgentSession
        let bus = EventBus(telemetry: Telemetry(logger: logger))
        do {
            runtime = try await AgentRuntime.make(
                configuration.runtime,
                eventBus: bus,
                telemetry: Telemetry(logger: logger)
            )
            session = try await runtime.openSession(
                user: user,
                persona: persona,
                context: configuration.context.merging(context) { $1 }
            )
        } catch {
            throw MCPGatewayError(.invalidConfiguration, error.message, cause: error)
        }
        let pool = try UpstreamPool(configuration, logger: logger)
        let gateway = MCPGateway(runtime: runtime, session: session, pool: pool, logger: logger)
        bus.subscribe(to: AuthorizationConfigurationChanged.self) { [weak gateway] _ in
            gateway?.announceToolListChanged()
        }
        return gateway
    }

    /// Opens a session in a runtime the caller keeps (such as `victor serve`'s), over upstreams
    /// the caller shares among its sessions: ``shutdown()`` stops neither.
    /// - Parameters:
    ///   - configuration: the session's defaults; its runtime part is not read.
    ///   - runtime: the runtime whose gate decides every call.
    ///   - upstreams: the upstream servers, shared with the caller's other sessions.
    ///   - user: the session's user.
    ///   - persona: the session's persona; the configuration's `mcp.session.persona` when `nil`.
    ///   - context: session facts, over the configuration's `mcp.session.context`.
    ///   - logger: where the gateway and its upstreams log.
    /// - Throws: ``MCPGatewayError/Code/invalidArgument`` without a persona;
    ///   ``MCPGatewayError/Code/invalidConfiguration`` when the session cannot be opened.
    public static func make(
        _ configuration: MCPConfiguration,
        runtime: AgentRuntime,
        upstreams: UpstreamPool,
        user: String,
        persona: String? = nil,
        context: [String: AttributeValue] = [:],
        logger: Logger
    ) async throws(MCPGatewayError) -> MCPGateway {
        guard let persona = persona ?? configuration.persona else {
            throw MCPGatewayError(.invalidArgument, "the session needs a persona: mcp.session.persona")
        }
        let session: AgentSession
        do {
            session = try await runtime.openSession(
                user: user,
                persona: persona,
                context: configuration.context.merging(context) { $1 }
            )
        } catch {
            throw MCPGatewayError(.invalidConfiguration, error.message, cause: error)
        }
        return MCPGateway(
            runtime: runtime,
            session: session,
            pool: upstreams,
            logger: logger,
            ownsRuntime: false,
            ownsPool: false
        )
    }

    /// Reads the authorization file named by the configuration again and installs it, all or
    /// nothing; the client is then told that its tool list may have changed. Without an
    /// authorization file nothing changes.
    /// - Throws: ``MCPGatewayError/Code/invalidConfiguration`` when the file is invalid or
    ///   unreadable; the configuration in force stays then.
    public func reloadAuthorization() throws(MCPGatewayError) {
        guard let path = pool.configuration.runtime.authorizationPath else { return }
        do {
            try runtime.authorizer.load(contentsOf: path)
        } catch {
            throw MCPGatewayError(.invalidConfiguration, error.description, cause: error)
        }
        logger.info("authorization configuration reloaded from \(path)")
    }

    /// Sends `notifications/tools/list_changed` to the client, when one is connected.
    package func announceToolListChanged() {
        guard let server = server.withLock({ $0 }) else { return }
        Task { try? await server.notify(ToolListChangedNotification.message()) }
    }

    // MARK: Tools

    /// The tools the session may call, as MCP tools named `UPSTREAM.TOOL`, ordered by name.
    /// Upstreams that have not listed their tools yet are started first; one that cannot start
    /// contributes none (and is tried again on the next listing).
    public func listTools() async -> [Tool] {
        for name in pool.names where catalog.withLock({ $0[name] == nil }) {
            do {
                _ = try await pool.connection(name)
            } catch {
                logger.warning("upstream \(name) cannot list its tools: \(error)")
            }
        }
        let callable = Set(runtime.tools(for: session).map(\.name))
        let offers = catalog.withLock { catalog in catalog.values.flatMap(\.values) }
        return offers.filter { callable.contains($0.definition.name) }
            .sorted { $0.definition.name.utf8.lexicographicallyPrecedes($1.definition.name.utf8) }
            .map { offer in
                Tool(
                    name: offer.definition.name,
                    title: offer.tool.title,
                    description: offer.tool.description,
                    inputSchema: offer.tool.inputSchema,
                    annotations: offer.tool.annotations,
                    outputSchema: offer.tool.outputSchema
                )
            }
    }

    /// Decides a call and, when allowed, forwards it and returns the upstream's result as it
    /// came; otherwise a result with `isError: true` saying why.
    /// - Parameters:
    ///   - name: the gateway tool name, `UPSTREAM.TOOL`.
    ///   - arguments: the call's arguments, as the client sent them.
    ///   - requestID: the MCP request's id, for the audit records; a new UUID when `nil`.
    /// - Throws: `CancellationError` when the caller was cancelled (MCP answers nothing then).
    public func callTool(
        _ name: String,
        arguments: [String: Value]?,
        requestID: String? = nil
    ) async throws -> CallTool.Result {
        try await gate(
            name,
            arguments: .object((arguments ?? [:]).mapValues { JSONValue($0) }),
            requestID: requestID,
            forward: { pool, upstream, tool, arguments in
                try await pool.call(upstream, tool, arguments: arguments.mcpValue.objectValue ?? [:])
            },
            failure: { result in result.isError == true ? Self.text(of: result) : nil },
            errorResult: Self.errorResult
        )
    }

    /// Decides a call as ``callTool(_:arguments:requestID:)`` does, with the arguments and the
    /// result as JSON: what the stdio transport's fast path serves without the SDK's types.
    /// - Returns: the `result` object of the JSON-RPC response.
    /// - Throws: `CancellationError` when the caller was cancelled (MCP answers nothing then).
    func callToolRaw(_ name: String, arguments: JSONValue, requestID: String?) async throws -> JSONValue {
        try await gate(
            name,
            arguments: arguments,
            requestID: requestID,
            forward: { pool, upstream, tool, arguments in
                try await pool.callRaw(upstream, tool, arguments: arguments)
            },
            failure: { result in
                guard result["isError"] == .bool(true) else { return nil }
                guard case .array(let items)? = result["content"] else { return "" }
                return items.compactMap { item -> String? in
                    if case .string(let text)? = item["text"] { return text }
                    return nil
                }
                .joined(separator: "\n")
            },
            errorResult: { text in
                ["content": [["type": "text", "text": .string(text)]], "isError": true]
            }
        )
    }

    /// The gate and the forwarding, whatever form the result takes.
    /// - Parameters:
    ///   - forward: sends the allowed call (upstream, tool, NFC arguments) and returns its result.
    ///   - failure: the error text of a result the upstream marked as an error, else `nil`.
    ///   - errorResult: a result with `isError: true` and the text.
    private func gate<Result: Sendable>(
        _ name: String,
        arguments: JSONValue,
        requestID: String?,
        forward: @escaping @Sendable (UpstreamPool, String, String, JSONValue) async throws -> Result,
        failure: (Result) -> String?,
        errorResult: (String) -> Result
    ) async throws -> Result {
        let target = ToolNamespace.split(ExactText.normalized(name))
        if let target, pool.names.contains(target.upstream), catalog.withLock({ $0[target.upstream] == nil }) {
            // The upstream's tools are registered when it first lists them.
            _ = try? await pool.connection(target.upstream)
        }
        let callID = "\(target?.upstream ?? "-"):\(requestID ?? UUID().uuidString.lowercased())"
        let call = ToolCall(id: callID, tool: name, arguments: arguments)
        let decision = runtime.authorize(call, in: session)
        switch decision.verdict {
        case .denied:
            return errorResult("denied at \(decision.step.rawValue): \(decision.reason)")
        case .approvalRequired:
            return errorResult(
                "denied at approval: approval is required and this gateway has no approver (\(decision.reason))"
            )
        case .allowed:
            break
        }
        let offer = target.flatMap { target in catalog.withLock { $0[target.upstream]?[call.tool] } }
        guard let target, let offer else {
            let message = "no upstream offers \(ExactText.quotedForDisplay(call.tool))"
            runtime.recordOutcome(.failed, of: call, decision: decision, in: session, error: message)
            return errorResult(message)
        }
        let forwarded = call.arguments.normalized()
        let pool = self.pool
        let start = ContinuousClock.now
        let report = await runtime.executor.run([
            ExecutionTask { try await forward(pool, offer.upstream, offer.tool.name, forwarded) }
        ])
        let duration = ContinuousClock.now - start
        switch report.results[0] {
        case .success(let result):
            let failed = failure(result)
            runtime.recordOutcome(
                failed == nil ? .succeeded : .failed,
                of: call,
                decision: decision,
                in: session,
                error: failed,
                duration: duration
            )
            return result
        case .failure(let error):
            let outcome: AuditRecord.Outcome
            let message: String
            switch error.code {
            case .timedOut:
                outcome = .timedOut
                message = "upstream \(target.upstream) did not answer in time: \(error.message)"
            case .cancelled, .notStarted:
                outcome = .cancelled
                message = "the call was cancelled"
            default:
                outcome = .failed
                let cause = error.cause.map { cause in (cause as? MCPGatewayError)?.message ?? "\(cause)" }
                message = cause ?? error.message
            }
            runtime.recordOutcome(
                outcome,
                of: call,
                decision: decision,
                in: session,
                error: message,
                duration: duration
            )
            if outcome == .cancelled || Task.isCancelled { throw CancellationError() }
            return errorResult(message)
        }
    }

    static func errorResult(_ text: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: true)
    }

    static func text(of result: CallTool.Result) -> String {
        result.content.compactMap { content -> String? in
            if case .text(let text, _, _) = content { return text }
            return nil
        }
        .joined(separator: "\n")
    }

    /// Reads an upstream's tools into the catalog, registers the new ones in the runtime and
    /// removes from the runtime the ones it no longer offers, so the gate denies them.
    func update(_ upstream: String, tools: [Tool]) {
        let policyArguments = pool.configuration.upstreams.first { $0.name == upstream }?.policyArguments ?? [:]
        var converted: [(tool: Tool, definition: ToolDefinition)] = []
        for tool in tools {
            do throws(MCPGatewayError) {
                let definition = try ToolConversion.definition(
                    of: tool,
                    upstream: upstream,
                    policyArguments: policyArguments[tool.name] ?? []
                )
                converted.append((tool, definition))
            } catch {
                logger.warning("tool not offered: \(error.message)")
            }
        }
        // Replaced when an upstream changes a tool's schema; never a tool registered otherwise
        // (a tool of victor.yaml with the same name keeps its definition).
        let results = runtime.tools.replace(converted.map(\.definition), origin: Self.toolOrigin)
        var offers: [String: Offer] = [:]
        for ((tool, definition), result) in zip(converted, results) {
            if case .failure(let error) = result {
                logger.warning("tool not offered: \(error.message)")
                continue
            }
            offers[definition.name] = Offer(upstream: upstream, tool: tool, definition: definition)
        }
        let changed = catalog.withLock { catalog -> Bool in
            defer { catalog[upstream] = offers }
            guard let previous = catalog[upstream] else { return false }
            return previous != offers
        }
        // Any of this upstream's tools the gateway registered and the list no longer has,
        // including ones another gateway on the same runtime registered from an older list.
        let removed = runtime.tools.remove(origin: Self.toolOrigin) { name in
            ToolNamespace.split(name)?.upstream == upstream && offers[name] == nil
        }
        if !removed.isEmpty {
            logger.info("upstream \(upstream): no longer offers \(removed.sorted().joined(separator: ", "))")
        }
        if changed {
            logger.info("upstream \(upstream): its tool list changed")
            announceToolListChanged()
        }
    }

    // MARK: Prompts

    /// The personas the session may use, as prompts: its own, and every stored persona the
    /// authorizer could allow the user to `use`.
    public func listPrompts() async -> [Prompt] {
        var personas: [(id: String, description: String)] = [
            (session.persona.base.id, session.persona.base.description)
        ]
        if let stored = try? await runtime.personas.list() {
            for persona in stored where persona.id != session.persona.base.id && mayUse(persona.id) {
                personas.append((persona.id, persona.description))
            }
        }
        return personas.map { Prompt(name: $0.id, description: $0.description) }
    }

    private func mayUse(_ persona: String) -> Bool {
        runtime.authorizer.couldAllow(
            user: session.facts.user,
            resource: "personas/" + persona,
            action: "use",
            context: session.policyContext,
            undecidedPrefix: AgentRuntime.argumentPrefix
        )
    }

    /// The system prompt of a persona the session may use, adapted to the session's context.
    /// - Throws: `MCPError.invalidParams` for a persona the session may not use or that
    ///   cannot be rendered.
    public func prompt(_ name: String) async throws -> GetPrompt.Result {
        let name = ExactText.normalized(name)
        let adapted: AdaptedPersona
        if name == session.persona.base.id {
            adapted = session.persona
        } else {
            guard mayUse(name) else { throw MCPError.invalidParams("no prompt named \(name)") }
            var context: [String: String] = [:]
            for (key, value) in session.policyContext {
                if case .string(let text) = value { context[key] = text }
            }
            do {
                adapted = try await runtime.personas.adapt(name, to: PersonaContext(context))
            } catch {
                throw MCPError.invalidParams("no prompt named \(name)")
            }
        }
        let text: String
        do {
            text = try PersonaManager.systemPrompt(for: adapted)
        } catch {
            throw MCPError.invalidParams("the prompt of \(name) cannot be rendered: \(error.message)")
        }
        return GetPrompt.Result(
            description: adapted.base.description,
            messages: [.user(.text(text: text))]
        )
    }

    // MARK: Serving

    /// Serves MCP on `transport` until the client disconnects, then shuts the upstreams down and
    /// closes the audit trail.
    public func serve(transport: any Transport) async throws {
        let server = Server(
            name: "victor",
            version: "1.0.0",
            capabilities: .init(prompts: .init(listChanged: false), tools: .init(listChanged: true))
        )
        await server.withMethodHandler(ListTools.self) { [self] _ in
            ListTools.Result(tools: await listTools())
        }
        await server.withMethodHandler(CallTool.self) { [self] parameters in
            let requestID = parameters._meta?[RequestTaggingTransport.key]?.stringValue
            return try await callTool(parameters.name, arguments: parameters.arguments, requestID: requestID)
        }
        await server.withMethodHandler(ListPrompts.self) { [self] _ in
            ListPrompts.Result(prompts: await listPrompts())
        }
        await server.withMethodHandler(GetPrompt.self) { [self] parameters in
            try await prompt(parameters.name)
        }
        self.server.withLock { $0 = server }
        // On stdio, calls take the fast path beside the SDK; other transports (Streamable HTTP
        // correlates answers with its requests) keep the SDK's handler, tagged with the id.
        let served: any Transport =
            if transport is PipeTransport {
                FastCallTransport(transport, logger: logger) { [self] requestID, name, arguments in
                    do {
                        return try await callToolRaw(name, arguments: arguments, requestID: requestID)
                    } catch {
                        return nil
                    }
                }
            } else {
                RequestTaggingTransport(transport, logger: logger)
            }
        try await server.start(transport: served)
        await server.waitUntilCompleted()
        self.server.withLock { $0 = nil }
        await server.stop()
        await shutdown()
    }

    /// Serves MCP on standard input and output; see ``serve(transport:)``. SIGHUP reloads the
    /// authorization file (``reloadAuthorization()``). Writing to an upstream that has exited
    /// must fail the call, not end the gateway, so SIGPIPE is ignored.
    public func serveStandardIO() async throws {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { [weak self] in
            guard let self else { return }
            do throws(MCPGatewayError) {
                try self.reloadAuthorization()
            } catch {
                // An invalid file must not end the gateway: the configuration in force stays.
                self.logger.error("authorization reload failed; the configuration in force stays: \(error.message)")
            }
        }
        hangup.resume()
        defer { hangup.cancel() }
        try await serve(transport: PipeTransport(logger: logger))
    }

    /// Stops following the upstreams' tool lists, shuts the upstreams down and flushes the
    /// audit trail (each when it is the gateway's own, not shared).
    public func shutdown() async {
        if let id = observer.withLock({ state -> UInt64? in
            defer { state = nil }
            return state
        }) {
            pool.stopObserving(id)
        }
        if ownsPool { await pool.shutdown() }
        guard ownsRuntime else { return }
        do {
            try await runtime.shutdown()
        } catch {
            logger.error("the audit trail could not be closed: \(error.message)")
        }
    }
}
