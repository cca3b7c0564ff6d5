import Foundation
import Logging
import MCP
import VictorLocks
import VictorRuntime

#if canImport(System)
import System
#else
import SystemPackage
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One running upstream: its child process and the MCP client speaking to it over the child's
/// standard input and output.
///
/// The connection is alive from ``start(_:logger:onExit:onToolsChanged:)`` until its process
/// exits or ``shutdown()`` ends it. When the process exits, the client is disconnected at once,
/// so calls in flight fail instead of waiting for an answer that cannot come.
final class UpstreamConnection: Sendable {
    /// Where the connection is in its life.
    struct Phase: Sendable {
        var exited = false
        var closing = false
        var retiring = false
        var inFlight = 0
    }

    let name: String
    let client: Client
    /// The client's transport, which also carries forwarded calls as raw JSON.
    let transport: UpstreamTransport
    /// The tools the upstream listed when it started.
    let tools: [Tool]
    let logger: Logger
    private let process: ProcessHandle
    private let phase = Locked(Phase())

    private init(
        name: String,
        client: Client,
        transport: UpstreamTransport,
        tools: [Tool],
        process: ProcessHandle,
        logger: Logger
    ) {
        self.name = name
        self.client = client
        self.transport = transport
        self.tools = tools
        self.process = process
        self.logger = logger
    }

    /// Whether the process runs and the connection is not shutting down.
    var isAlive: Bool { phase.withLock { !$0.exited && !$0.closing } }

    /// The process id of the child.
    var processIdentifier: Int32 { process.identifier }

    /// Starts the upstream's process, connects to it, and lists its tools.
    /// - Parameters:
    ///   - onExit: called once when the process exits, whatever the reason.
    ///   - onToolsChanged: called when the upstream announces that its tool list changed.
    static func start(
        _ configuration: UpstreamConfiguration,
        logger: Logger,
        onExit: @escaping @Sendable (UpstreamConnection) -> Void,
        onToolsChanged: @escaping @Sendable (UpstreamConnection) -> Void
    ) async throws(MCPGatewayError) -> UpstreamConnection {
        let client = Client(name: "victor-mcp-gateway", version: "1.0.0")
        let exit = ExitSignal()
        let process: ProcessHandle
        do {
            process = try ProcessHandle.launch(configuration) { exit.fire() }
        } catch {
            throw MCPGatewayError(
                .upstreamUnavailable,
                "upstream \(configuration.name): cannot start \(configuration.command): \(error)",
                cause: error
            )
        }
        // A process that exits before answering must fail the handshake, not hang it.
        exit.onFire { Task { await client.disconnect() } }
        let transport = UpstreamTransport(
            PipeTransport(input: process.fromChild, output: process.toChild, logger: logger),
            logger: logger
        )
        var tools: [Tool] = []
        do {
            try await client.connect(transport: transport)
            var cursor: String?
            // Bounded: an upstream that keeps paging is cut off at 100 pages.
            for _ in 0..<100 {
                let page = try await client.listTools(cursor: cursor)
                tools += page.tools
                guard let next = page.nextCursor, !next.isEmpty else { break }
                cursor = next
            }
        } catch {
            await client.disconnect()
            await process.stop(logger: logger)
            throw MCPGatewayError(
                .upstreamUnavailable,
                "upstream \(configuration.name): the MCP handshake failed: \(error)",
                cause: error
            )
        }
        let connection = UpstreamConnection(
            name: configuration.name,
            client: client,
            transport: transport,
            tools: tools,
            process: process,
            logger: logger
        )
        await client.onNotification(ToolListChangedNotification.self) { [weak connection] _ in
            if let connection { onToolsChanged(connection) }
        }
        exit.onFire { [weak connection] in
            guard let connection else { return }
            connection.phase.withLock { $0.exited = true }
            connection.logger.warning("upstream \(configuration.name) exited")
            onExit(connection)
        }
        return connection
    }

    /// Forwards one call; cancelling the calling task sends `notifications/cancelled` upstream.
    /// - Throws: ``MCPGatewayError/Code/upstreamFailed`` when the process exits or the upstream
    ///   answers with a protocol error; `CancellationError` when cancelled.
    func call(_ tool: String, arguments: [String: Value]) async throws -> CallTool.Result {
        try enter()
        defer { leave() }
        let context: RequestContext<CallTool.Result>
        do {
            context = try await client.callTool(name: tool, arguments: arguments)
        } catch {
            throw MCPGatewayError(.upstreamFailed, "upstream \(name): \(error)", cause: error)
        }
        let client = self.client
        return try await withTaskCancellationHandler {
            do {
                return try await context.value
            } catch {
                throw await failure(error)
            }
        } onCancel: {
            Task { try? await client.cancelRequest(context.requestID, reason: "cancelled by the gateway") }
        }
    }

    /// Forwards one call as raw JSON (``UpstreamTransport/request(_:params:)``): the arguments
    /// as given, the upstream's result object as it answered. Cancelling the calling task sends
    /// `notifications/cancelled` upstream.
    /// - Throws: as ``call(_:arguments:)``.
    func callRaw(_ tool: String, arguments: JSONValue) async throws -> JSONValue {
        try enter()
        defer { leave() }
        do {
            return try await transport.request("tools/call", params: ["name": .string(tool), "arguments": arguments])
        } catch {
            throw await failure(error)
        }
    }

    /// Counts a call in flight, unless the process has exited or the connection is closing.
    private func enter() throws(MCPGatewayError) {
        let entered = phase.withLock { phase -> Bool in
            guard !phase.exited, !phase.closing else { return false }
            phase.inFlight += 1
            return true
        }
        guard entered else {
            throw MCPGatewayError(.upstreamFailed, "upstream \(name) is not running")
        }
    }

    /// What a forwarded call's failure is reported as: a cancellation stays one; otherwise the
    /// transport can notice a closed pipe before the exit handler runs, so a process on its way
    /// out is reported as having exited, whichever came first.
    private func failure(_ error: any Error) async -> any Error {
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        var exited = phase.withLock { $0.exited }
        if !exited { exited = await process.waitForExit(.milliseconds(200)) }
        if exited {
            return MCPGatewayError(.upstreamFailed, "upstream \(name) exited before answering", cause: error)
        }
        let message = (error as? MCPGatewayError)?.message ?? "\(error)"
        return MCPGatewayError(.upstreamFailed, "upstream \(name): \(message)", cause: error)
    }

    private func leave() {
        let retire = phase.withLock { phase -> Bool in
            phase.inFlight -= 1
            return phase.retiring && phase.inFlight == 0 && !phase.closing
        }
        if retire { Task { await self.shutdown() } }
    }

    /// Shuts the connection down once no call is in flight: for an upstream the loader evicted.
    func retire() {
        let now = phase.withLock { phase -> Bool in
            phase.retiring = true
            return phase.inFlight == 0 && !phase.closing
        }
        if now { Task { await self.shutdown() } }
    }

    /// Disconnects, closes the child's standard input, and waits for it to exit: SIGTERM after
    /// two seconds, SIGKILL after one more.
    func shutdown() async {
        let first = phase.withLock { phase -> Bool in
            defer { phase.closing = true }
            return !phase.closing
        }
        guard first else { return }
        await client.disconnect()
        await process.stop(logger: logger)
    }
}

/// Calls its handlers once, when fired; a handler added after firing runs at once.
final class ExitSignal: Sendable {
    private let state = Locked<(fired: Bool, handlers: [@Sendable () -> Void])>((false, []))

    func fire() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler() }
    }

    func onFire(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.fired { return true }
            state.handlers.append(handler)
            return false
        }
        if now { handler() }
    }
}

/// A child process with pipes on its standard input and output; its standard error is the
/// gateway's.
final class ProcessHandle: @unchecked Sendable {
    // Process is used only through its thread-safe members (isRunning, terminate,
    // processIdentifier) after launch.
    private let process: Process
    private let input: Pipe
    private let output: Pipe

    /// The descriptor the gateway writes to.
    var toChild: Int32 { input.fileHandleForWriting.fileDescriptor }
    /// The descriptor the gateway reads from.
    var fromChild: Int32 { output.fileHandleForReading.fileDescriptor }
    var identifier: Int32 { process.processIdentifier }

    private init(process: Process, input: Pipe, output: Pipe) {
        self.process = process
        self.input = input
        self.output = output
    }

    /// Starts `configuration`'s command, found through `PATH` by `/usr/bin/env`.
    static func launch(
        _ configuration: UpstreamConfiguration,
        onExit: @escaping @Sendable () -> Void
    ) throws -> ProcessHandle {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [configuration.command] + configuration.arguments
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in configuration.environment { environment[key] = value }
        process.environment = environment
        if let directory = configuration.workingDirectory {
            process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        }
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.terminationHandler = { _ in onExit() }
        try process.run()
        return ProcessHandle(process: process, input: input, output: output)
    }

    /// Closes the child's standard input, then waits for it to exit, escalating to SIGTERM
    /// and SIGKILL; closes the gateway's ends of the pipes.
    func stop(logger: Logger) async {
        try? input.fileHandleForWriting.close()
        if await !waitForExit(.seconds(2)) {
            logger.warning("upstream process \(process.processIdentifier) ignored end of input; terminating it")
            process.terminate()
            if await !waitForExit(.seconds(1)) {
                kill(process.processIdentifier, SIGKILL)
                _ = await waitForExit(.seconds(1))
            }
        }
        try? output.fileHandleForReading.close()
    }

    /// Whether the process exited within `limit`, checked every 10 ms.
    func waitForExit(_ limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while process.isRunning {
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}
