import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import Prometheus
public import ServiceLifecycle
import Synchronization
import UnixSignals
import VictorAuthorization
import VictorEvents
import VictorMCP
import VictorPersonas
import VictorPostgres
public import VictorRuntime
public import VictorTelemetry

/// The address a server is listening on.
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host as configured.
    public var host: String
    /// The bound port (the ephemeral port chosen, when 0 was configured).
    public var port: Int
    /// Whether the server speaks HTTPS.
    public var secure: Bool

    /// Creates an address.
    public init(host: String, port: Int, secure: Bool = false) {
        self.host = host
        self.port = port
        self.secure = secure
    }

    /// `http://HOST:PORT` (`https` when ``secure``), IPv6 hosts in brackets.
    public var description: String {
        let scheme = secure ? "https" : "http"
        return host.contains(":") && !host.hasPrefix("[")
            ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)"
    }
}

/// Victor as an HTTP service: authorization decisions, the authorization configuration,
/// personas, sessions and tool-call gating, metrics and health, on Hummingbird.
///
/// ```swift
/// let server = try await VictorServer.make(ServerConfiguration.load(contentsOf: "victor.yaml"))
/// try await server.serve()    // until SIGTERM or SIGINT; SIGHUP reloads the authorization file
/// ```
///
/// ``run()`` runs the server as a `Service` in a caller's `ServiceGroup`; ``serve()`` runs it in
/// its own group, with the signals and the shutdown deadline of its configuration. On graceful
/// shutdown the server stops accepting connections, lets in-flight requests finish (until the
/// group's deadline cancels them), then flushes and closes the audit sinks.
public final class VictorServer: Service, Sendable {
    /// The configuration the server was made with.
    public let configuration: ServerConfiguration
    /// The runtime the server serves.
    public let runtime: AgentRuntime
    /// The bearer tokens in force: `nil` without a tokens file; replaced whole by
    /// ``reloadTokens()``.
    let tokens: Mutex<AccessTokens?>
    let tls: TLSConfiguration?
    let sessions: SessionTable
    let metrics: ServerMetrics
    let bodies: RequestBodyReader
    /// The web origins and host names the server answers.
    let origins: RequestOrigins
    let logger: Logger
    let accessLog: (@Sendable (String) -> Void)?
    let onListening: @Sendable (ServerAddress) async -> Void
    /// Serializes configuration writes and reloads; checks never wait on it.
    let configurationWriter = Mutex(())
    let draining = Atomic<Bool>(false)
    let bound = Mutex<ServerAddress?>(nil)
    /// MCP over Streamable HTTP, when `victor.yaml` has an `mcp` section.
    let mcpEndpoint: MCPEndpoint?
    /// The shared PostgreSQL store, when ``ServerConfiguration/store`` names one.
    let shared: SharedStore?
    /// The key outcome receipts are sealed with: the store's, shared by every instance on it, or
    /// this process's own without a store.
    let receiptKey: ReceiptKey

    init(
        configuration: ServerConfiguration,
        runtime: AgentRuntime,
        tokens: AccessTokens?,
        tls: TLSConfiguration?,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        accessLog: (@Sendable (String) -> Void)?,
        sessionClock: @escaping @Sendable () -> Duration,
        onListening: @escaping @Sendable (ServerAddress) async -> Void,
        mcpEndpoint: MCPEndpoint? = nil,
        shared: SharedStore? = nil,
        receiptKey: ReceiptKey = .random()
    ) {
        self.configuration = configuration
        self.runtime = runtime
        self.tokens = Mutex(tokens)
        self.tls = tls
        sessions = SessionTable(limits: configuration.sessions, now: sessionClock)
        metrics = ServerMetrics(registry: registry)
        bodies = RequestBodyReader(limits: configuration.limits)
        origins = RequestOrigins(
            allowedOrigins: configuration.allowedOrigins,
            allowedHosts: configuration.allowedHosts,
            authenticated: tokens != nil
        )
        self.logger = logger
        self.accessLog = accessLog
        self.onListening = onListening
        self.mcpEndpoint = mcpEndpoint
        self.shared = shared
        self.receiptKey = receiptKey
    }

    /// Builds a server: reads the tokens file, refuses a non-loopback address without one, and
    /// builds the runtime, its instruments reporting into the server's Prometheus registry.
    /// - Parameters:
    ///   - configuration: what to serve and how.
    ///   - logger: where the server and the runtime log.
    ///   - accessLog: where each request's JSON access-log line goes, when
    ///     ``ServerConfiguration/accessLog`` is on; the default writes to standard output.
    ///   - sessionClock: the monotonic time session expiry reads (injected by tests).
    ///   - onListening: called once the server is bound, with the actual port.
    /// - Throws: ``ServerError/Code/insecureBinding``, ``ServerError/Code/invalidConfiguration``
    ///   (the tokens file, the TLS certificate or key, the authorization configuration),
    ///   ``ServerError/Code/io`` (the audit file), ``ServerError/Code/unavailable`` (the
    ///   PostgreSQL store cannot be migrated or read).
    public static func make(
        _ configuration: ServerConfiguration,
        logger: Logger = Telemetry.silent,
        accessLog: (@Sendable (String) -> Void)? = VictorServer.standardOutputLog,
        sessionClock: (@Sendable () -> Duration)? = nil,
        onListening: @escaping @Sendable (ServerAddress) async -> Void = { _ in }
    ) async throws(ServerError) -> VictorServer {
        let tokens = try configuration.tokensPath.map { path throws(ServerError) in
            try AccessTokens.load(contentsOf: path)
        }
        let tls = try configuration.tls.map { tls throws(ServerError) in try tlsConfiguration(tls) }
        if tokens == nil, !configuration.listener.isLoopback {
            throw ServerError(
                .insecureBinding,
                "refusing to listen on \(configuration.listener.host) without a tokens file (server.tokens); "
                    + "without tokens only loopback addresses are served"
            )
        }
        let mcp = try mcpConfiguration(configuration)
        let registry = PrometheusCollectorRegistry()
        let telemetry = Telemetry(logger: logger, metricsFactory: PrometheusMetricsFactory(registry: registry))
        if configuration.runtime.auditToStore, configuration.store == nil {
            throw ServerError(
                .invalidConfiguration,
                "audit.store: true needs a shared store: set store: postgres://… or pass --store"
            )
        }
        let database = configuration.store.map { PostgresStore(url: $0, logger: logger) }
        let runtime: AgentRuntime
        do {
            // The table exists once migrated; the sink's writer retries until then.
            let auditSinks: [any AuditSink] =
                if let database, configuration.runtime.auditToStore { [PostgresAuditSink(database: database)] } else {
                    []
                }
            runtime = try await AgentRuntime.make(
                configuration.runtime,
                personaStore: database.map { PostgresPersonaStore(database: $0) },
                auditSinks: auditSinks,
                telemetry: telemetry
            )
        } catch {
            await database?.shutdown()
            throw ServerError(error.code == .io ? .io : .invalidConfiguration, error.message)
        }
        let mcpEndpoint: MCPEndpoint?
        do throws(MCPGatewayError) {
            mcpEndpoint = try mcp.map { configuration throws(MCPGatewayError) in
                try MCPEndpoint(configuration: configuration, runtime: runtime, logger: logger)
            }
        } catch {
            try? await runtime.shutdown()
            await database?.shutdown()
            throw ServerError(.invalidConfiguration, error.message)
        }
        var shared: SharedStore?
        var receiptKey = ReceiptKey.random()
        if let database {
            let store = SharedStore(
                database: database,
                stalenessBound: configuration.stalenessBound,
                runtime: runtime,
                logger: logger,
                onInstalled: { mcpEndpoint?.configurationChanged() }
            )
            let seed: AuthorizationConfiguration? =
                configuration.runtime.authorizationPath == nil ? nil : runtime.authorizer.configuration
            do {
                try await store.start(seed: seed)
                receiptKey = ReceiptKey(bytes: try await store.sessions.receiptKey())
            } catch {
                try? await runtime.shutdown()
                await database.shutdown()
                throw ServerError(.unavailable, "cannot start on the store \(database.url): \(error.description)")
            }
            logger.info(
                "using the PostgreSQL store",
                metadata: [
                    "store": "\(database.url)",
                    "generation": "\(store.installer.generation.load(ordering: .relaxed))",
                ]
            )
            shared = store
        }
        return VictorServer(
            configuration: configuration,
            runtime: runtime,
            tokens: tokens,
            tls: tls,
            registry: registry,
            logger: logger,
            accessLog: configuration.accessLog ? accessLog : nil,
            sessionClock: sessionClock ?? SessionTable.monotonicNow,
            onListening: onListening,
            mcpEndpoint: mcpEndpoint,
            shared: shared,
            receiptKey: receiptKey
        )
    }

    /// Writes a line to standard output, whole, under a lock.
    public static let standardOutputLog: @Sendable (String) -> Void = { line in
        standardOutputLock.withLock { _ in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
    private static let standardOutputLock = Mutex(())

    /// The address the server is bound to, once it is listening.
    public var address: ServerAddress? { bound.withLock { $0 } }

    /// Runs the server until graceful shutdown (or cancellation), then closes the audit sinks.
    public func run() async throws {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: ObservingMiddleware(server: self))
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { [self] request, context in
                try await self.respond(route, request, context)
            }
        }
        let listener = configuration.listener
        let http1 = HTTPServerBuilder.http1(
            configuration: .init(idleTimeout: TimeAmount(configuration.connectionIdleTimeout))
        )
        let application = Application(
            router: router,
            server: try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1,
            configuration: ApplicationConfiguration(
                address: .hostname(listener.host, port: listener.port),
                serverName: nil
            ),
            onServerRunning: { [self] channel in
                let address = ServerAddress(
                    host: listener.host,
                    port: channel.localAddress?.port ?? listener.port,
                    secure: tls != nil
                )
                bound.withLock { $0 = address }
                logger.info("listening", metadata: ["address": "\(address)"])
                await onListening(address)
            },
            logger: logger
        )
        let listening = shared.map { shared in Task { await shared.listener.run() } }
        let sweeping = mcpEndpoint.map { endpoint in
            Task { await endpoint.closeIdleSessions(every: min(endpoint.configuration.httpIdleTimeout, .seconds(30))) }
        }
        var failure: (any Error)?
        do {
            try await withGracefulShutdownHandler {
                try await application.run()
            } onGracefulShutdown: { [self] in
                draining.store(true, ordering: .relaxed)
            }
        } catch {
            failure = error
        }
        sweeping?.cancel()
        await sweeping?.value
        await mcpEndpoint?.shutdown()
        listening?.cancel()
        await listening?.value
        do {
            try await runtime.shutdown()
        } catch {
            logger.error("the audit sinks could not be closed", metadata: ["error": "\(error)"])
            if failure == nil { failure = error }
        }
        // After the runtime: the audit sinks write their last batch to the store on close.
        await shared?.database.shutdown()
        if let failure { throw failure }
    }

    /// Runs the server in its own service group until SIGTERM or SIGINT, reloading the
    /// authorization configuration from disk on SIGHUP. In-flight requests get
    /// ``ServerConfiguration/shutdownDeadline`` to finish.
    public func serve() async throws {
        var group = ServiceGroupConfiguration(
            services: [
                .init(service: self, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: HangupService(server: self), successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        group.maximumGracefulShutdownDuration = configuration.shutdownDeadline
        group.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: group).run()
    }
}

/// Reloads the server's authorization configuration and tokens file on every SIGHUP until
/// shutdown.
struct HangupService: Service {
    let server: VictorServer

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = try? server.reloadAuthorization()
            _ = try? server.reloadTokens()
        }
    }
}
