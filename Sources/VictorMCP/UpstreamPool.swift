public import Logging
import MCP
import VictorEvents
import VictorLoading
import VictorLocks
import VictorRuntime
import VictorTelemetry

/// The upstream MCP servers of a gateway configuration, shared by every session that uses them:
/// each upstream is started on first use, once however many calls race for it, and at most
/// `mcp.max_running_upstreams` run at a time (the least recently used one is shut down cleanly
/// when another must start). An upstream whose process exits is started again by the next call
/// that needs it, after a backoff that doubles with each crash in a row. Calls toward one
/// upstream are bounded by its `max_concurrent_calls`, across all sessions.
///
/// `victor mcp` has one session and one pool; `victor serve` shares one pool among all its
/// MCP sessions over HTTP, so the bounds hold for the server as a whole.
public final class UpstreamPool: Sendable {
    struct Record: Sendable {
        var live: UpstreamConnection?
        var crashes = 0
        var lastCrash: ContinuousClock.Instant?
    }

    let configuration: MCPConfiguration
    let loader: ComponentLoader
    let logger: Logger
    private let bus: EventBus
    private let upstreams: [String: UpstreamConfiguration]
    private let keys = Locked<[String: ComponentKey<UpstreamConnection>]>([:])
    private let limits: [String: AsyncLimit]
    private let records = Locked<[String: Record]>([:])
    /// The tools each upstream listed last, and who is told when a list arrives.
    private let toolLists = Locked<ToolLists>(ToolLists())

    struct ToolLists {
        var latest: [String: [Tool]] = [:]
        var observers: [UInt64: @Sendable (String, [Tool]) -> Void] = [:]
        var nextObserver: UInt64 = 0
    }

    /// Creates the pool; no upstream starts until it is first needed.
    /// - Parameters:
    ///   - configuration: the gateway configuration whose upstreams the pool runs.
    ///   - logger: where upstream starts, exits and failures are logged.
    /// - Throws: ``MCPGatewayError/Code/invalidConfiguration`` when an upstream's name cannot be
    ///   a component name.
    public init(_ configuration: MCPConfiguration, logger: Logger) throws(MCPGatewayError) {
        self.configuration = configuration
        self.logger = logger
        let bus = EventBus()
        self.bus = bus
        loader = ComponentLoader(
            configuration: LoaderConfiguration(maxCacheSize: configuration.maxRunningUpstreams),
            eventBus: bus,
            telemetry: Telemetry(logger: logger)
        )
        var upstreams: [String: UpstreamConfiguration] = [:]
        var limits: [String: AsyncLimit] = [:]
        for upstream in configuration.upstreams {
            upstreams[upstream.name] = upstream
            limits[upstream.name] = AsyncLimit(upstream.maxConcurrentCalls)
        }
        self.upstreams = upstreams
        self.limits = limits
        for upstream in configuration.upstreams {
            let name = upstream.name
            do throws(LoaderError) {
                let key = try loader.register("upstream/" + name) { [unowned(unsafe) self] in
                    try await self.launch(name)
                }
                keys.withLock { $0[name] = key }
            } catch {
                throw MCPGatewayError(.invalidConfiguration, error.message, cause: error)
            }
        }
        bus.subscribe(to: ComponentEvicted.self) { [unowned(unsafe) self] event in
            self.evicted(event.component)
        }
    }

    /// The configured upstreams' names, in the configuration's order.
    var names: [String] { configuration.upstreams.map(\.name) }

    /// Calls `handler` with an upstream's name and tools whenever the upstream lists them: when
    /// it starts, and after each of its `notifications/tools/list_changed`; first, at once, with
    /// every list already known. Returns the id that ``stopObserving(_:)`` takes.
    func observeTools(_ handler: @escaping @Sendable (String, [Tool]) -> Void) -> UInt64 {
        let (id, known) = toolLists.withLock { lists in
            lists.nextObserver += 1
            lists.observers[lists.nextObserver] = handler
            return (lists.nextObserver, lists.latest)
        }
        for (upstream, tools) in known { handler(upstream, tools) }
        return id
    }

    /// Stops calling the handler ``observeTools(_:)`` returned `id` for.
    func stopObserving(_ id: UInt64) {
        _ = toolLists.withLock { $0.observers.removeValue(forKey: id) }
    }

    /// The running connection to `name`, starting it if needed.
    func connection(_ name: String) async throws -> UpstreamConnection {
        guard let key = keys.withLock({ $0[name] }) else {
            throw MCPGatewayError(.upstreamUnavailable, "no upstream named \(name) is configured")
        }
        // Bounded: a connection found dead is dropped and started again, a few times at most.
        for _ in 0..<3 {
            let connection = try await loader.get(key)
            if connection.isAlive { return connection }
            drop(connection)
        }
        throw MCPGatewayError(.upstreamUnavailable, "upstream \(name) keeps exiting")
    }

    /// Forwards a call to `tool` of `upstream` within the upstream's concurrency bound.
    func call(_ upstream: String, _ tool: String, arguments: [String: Value]) async throws -> CallTool.Result {
        guard let limit = limits[upstream] else {
            throw MCPGatewayError(.upstreamUnavailable, "no upstream named \(upstream) is configured")
        }
        try await limit.acquire()
        defer { limit.release() }
        let connection = try await connection(upstream)
        let result = try await connection.call(tool, arguments: arguments)
        records.withLock { $0[upstream, default: Record()].crashes = 0 }
        return result
    }

    /// Forwards a call as raw JSON (``UpstreamConnection/callRaw(_:arguments:)``) within the
    /// upstream's concurrency bound.
    func callRaw(_ upstream: String, _ tool: String, arguments: JSONValue) async throws -> JSONValue {
        guard let limit = limits[upstream] else {
            throw MCPGatewayError(.upstreamUnavailable, "no upstream named \(upstream) is configured")
        }
        try await limit.acquire()
        defer { limit.release() }
        let connection = try await connection(upstream)
        let result = try await connection.callRaw(tool, arguments: arguments)
        records.withLock { $0[upstream, default: Record()].crashes = 0 }
        return result
    }

    /// Builds the component: waits out the backoff after a crash, then starts the process.
    private func launch(_ name: String) async throws -> UpstreamConnection {
        guard let upstream = upstreams[name] else {
            throw MCPGatewayError(.upstreamUnavailable, "no upstream named \(name) is configured")
        }
        let (crashes, lastCrash) = records.withLock { ($0[name]?.crashes ?? 0, $0[name]?.lastCrash) }
        if crashes > 0, let lastCrash {
            let wait = backoff(afterCrashes: crashes)
            let remaining = lastCrash + wait - ContinuousClock.now
            if remaining > .zero {
                logger.info("upstream \(name): restarting after \(remaining) (crash \(crashes) in a row)")
                try await Task.sleep(for: remaining)
            }
        }
        let connection: UpstreamConnection
        do {
            connection = try await UpstreamConnection.start(
                upstream,
                logger: logger,
                onExit: { [unowned(unsafe) self] connection in self.exited(connection) },
                onToolsChanged: { [unowned(unsafe) self] connection in self.announce(connection, listChanged: true) }
            )
        } catch {
            records.withLock { records in
                records[name, default: Record()].crashes += 1
                records[name, default: Record()].lastCrash = ContinuousClock.now
            }
            throw error
        }
        records.withLock { $0[name, default: Record()].live = connection }
        logger.info(
            "upstream \(name) started (process \(connection.processIdentifier), \(connection.tools.count) tools)"
        )
        announce(connection, listChanged: false)
        return connection
    }

    /// The wait before restarting after `crashes` crashes in a row.
    func backoff(afterCrashes crashes: Int) -> Duration {
        UpstreamPool.backoff(
            afterCrashes: crashes,
            initial: configuration.restartBackoff,
            maximum: configuration.maxRestartBackoff
        )
    }

    /// `initial` doubled for each crash after the first, at most `maximum`.
    static func backoff(afterCrashes crashes: Int, initial: Duration, maximum: Duration) -> Duration {
        guard crashes > 0 else { return .zero }
        var wait = initial
        for _ in 1..<min(crashes, 32) {
            wait *= 2
            if wait >= maximum { return maximum }
        }
        return min(wait, maximum)
    }

    /// Records the tools `connection` listed (listing them again first when it announced a
    /// change), and tells every observer.
    private func announce(_ connection: UpstreamConnection, listChanged: Bool) {
        guard listChanged else {
            publish(connection.name, connection.tools)
            return
        }
        // Listed once for all sessions, not once per session.
        Task {
            do {
                publish(connection.name, try await connection.client.listTools().tools)
            } catch {
                logger.warning("upstream \(connection.name) announced new tools but cannot list them: \(error)")
            }
        }
    }

    private func publish(_ upstream: String, _ tools: [Tool]) {
        let observers = toolLists.withLock { lists in
            lists.latest[upstream] = tools
            return Array(lists.observers.values)
        }
        for observer in observers { observer(upstream, tools) }
    }

    /// The process of `connection` exited: count a crash (unless the gateway ended it), and
    /// drop it from the loader so that the next call starts it again.
    private func exited(_ connection: UpstreamConnection) {
        Task { await connection.shutdown() }
        records.withLock { records in
            records[connection.name, default: Record()].crashes += 1
            records[connection.name, default: Record()].lastCrash = ContinuousClock.now
        }
        drop(connection)
    }

    /// Unloads `connection`'s component if the loader still holds that very connection.
    private func drop(_ connection: UpstreamConnection) {
        let current = records.withLock { records -> Bool in
            guard records[connection.name]?.live === connection else { return false }
            records[connection.name]?.live = nil
            return true
        }
        if current { _ = loader.unload("upstream/" + connection.name) }
    }

    /// The loader evicted an upstream to make room: shut it down once its calls are done.
    private func evicted(_ component: String) {
        guard component.hasPrefix("upstream/") else { return }
        let name = String(component.dropFirst("upstream/".count))
        guard !loader.isLoaded(component) else { return }
        let connection = records.withLock { records -> UpstreamConnection? in
            defer { records[name]?.live = nil }
            return records[name]?.live
        }
        if let connection {
            logger.info("upstream \(name) shut down: least recently used")
            connection.retire()
        }
    }

    /// Shuts every running upstream down; a later call starts its upstream again.
    public func shutdown() async {
        let live = records.withLock { records -> [UpstreamConnection] in
            var live: [UpstreamConnection] = []
            for name in records.keys {
                if let connection = records[name]?.live { live.append(connection) }
                records[name]?.live = nil
            }
            return live
        }
        loader.clear()
        await withTaskGroup(of: Void.self) { group in
            for connection in live { group.addTask { await connection.shutdown() } }
        }
    }
}

/// A counting semaphore for async callers; a cancelled waiter leaves the queue and throws
/// `CancellationError`.
final class AsyncLimit: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state: Locked<State>

    init(_ count: Int) {
        state = Locked(State(available: count))
    }

    func acquire() async throws {
        let id = state.withLock { state -> UInt64? in
            if state.available > 0 {
                state.available -= 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
