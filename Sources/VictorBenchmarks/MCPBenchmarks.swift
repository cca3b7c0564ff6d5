import Foundation
import Logging
import MCP
import VictorMCP
import VictorPersonas

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MCP gateway's own cost: the same `echo` call made to a FastMCP server (the official Python
/// MCP SDK) directly and through `victor mcp`, alternately, in one run; the figure is the
/// difference of the two latency percentiles. Without python3 and its `mcp` package the
/// benchmarks are skipped: informational, with the reason in their details.
enum MCPBenchmarks {
    static var all: [Benchmark] { [addedP50, addedP99] }

    static let addedP50 = Benchmark(
        id: "mcp.added_p50_ms",
        category: .service,
        name: "MCP Gateway Added Latency p50",
        metric: "Median call latency through victor mcp minus direct",
        unit: .milliseconds,
        target: nil,
        direction: .lower
    ) { context in
        try await measurement(context, percentile: 50, target: 0.3)
    }

    static let addedP99 = Benchmark(
        id: "mcp.added_p99_ms",
        category: .service,
        name: "MCP Gateway Added Latency p99",
        metric: "p99 call latency through victor mcp minus direct",
        unit: .milliseconds,
        target: nil,
        direction: .lower
    ) { context in
        try await measurement(context, percentile: 99, target: 1)
    }

    /// The upstream: one `echo` tool on FastMCP over stdio.
    static let upstream = """
        from mcp.server.fastmcp import FastMCP

        server = FastMCP("bench")


        @server.tool()
        def echo(text: str) -> str:
            \"\"\"Returns its text.\"\"\"
            return text


        if __name__ == "__main__":
            server.run("stdio")
        """

    static let authorization = """
        roles:
          caller:
            permissions: [{resource: "tools/*", action: execute}]
        users:
          bench: {roles: [caller]}
        """

    static func configuration(python: String) -> String {
        """
        authorization: authz.yaml
        personas: {store: personas}
        mcp:
          session: {user: bench, persona: bench}
          upstreams:
            - name: fx
              command: \(python)
              args: [upstream.py]
              cwd: .
        """
    }

    /// Why the benchmark cannot run here, or `nil` when python3 can import the MCP SDK.
    static func findPython() -> (path: String?, skipped: String?) {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let python = path.split(separator: ":").map({ "\($0)/python3" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return (nil, "python3 is not on PATH") }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import mcp.server.fastmcp"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        do {
            try check.run()
            check.waitUntilExit()
        } catch {
            return (nil, "\(python) cannot run: \(error)")
        }
        guard check.terminationStatus == 0 else {
            return (nil, "the Python MCP SDK is missing (pip install 'mcp<2')")
        }
        return (python, nil)
    }

    static func measurement(
        _ context: BenchmarkContext,
        percentile: Double,
        target: Double
    ) async throws -> BenchmarkMeasurement {
        let (python, skipped) = findPython()
        guard let python else {
            return BenchmarkMeasurement(value: 0, details: "skipped: \(skipped ?? "python3 is unavailable")")
        }
        guard let victor = BenchmarkProcessIsolation.currentExecutable(named: "victor") else {
            throw BenchmarkError("the MCP benchmarks start `victor mcp` and run only in the victor executable")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "victor-mcp-bench-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in [
            ("upstream.py", upstream), ("authz.yaml", authorization), ("victor.yaml", configuration(python: python)),
        ] {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: directory + "/personas"))
        _ = try await manager.create(
            Persona(
                id: "bench",
                name: "Bench",
                description: "Calls echo",
                personality: .pragmatic,
                communicationStyle: .direct
            )
        )
        // SIGPIPE from a child that exited must fail the run, not end it.
        signal(SIGPIPE, SIG_IGN)
        let direct = try await MCPChild.start(python, ["upstream.py"], in: directory)
        let gateway: MCPChild
        do {
            gateway = try await MCPChild.start(
                victor,
                ["mcp", "--config", directory + "/victor.yaml", "--log-level", "error"],
                in: directory
            )
        } catch {
            await direct.stop()
            throw error
        }
        do {
            let samples = context.iterations(2_000, minimum: 100)
            let warmUp = max(50, samples / 10)
            let arguments: [String: Value] = ["text": "ping"]
            var directTimes: [Double] = []
            var gatewayTimes: [Double] = []
            directTimes.reserveCapacity(samples)
            gatewayTimes.reserveCapacity(samples)
            for index in 0..<(warmUp + samples) {
                // Alternating, so that drift in the machine's load affects both paths alike.
                let first = try await direct.time("echo", arguments)
                let second = try await gateway.time("fx.echo", arguments)
                if index >= warmUp {
                    directTimes.append(first)
                    gatewayTimes.append(second)
                }
            }
            await gateway.stop()
            await direct.stop()
            let directFigure = Measure.percentile(directTimes, percentile)
            let gatewayFigure = Measure.percentile(gatewayTimes, percentile)
            let added = gatewayFigure - directFigure
            return BenchmarkMeasurement(
                value: added,
                details: "\(samples) sequential echo calls each way after \(warmUp) warm-up calls, "
                    + "alternating direct and gateway: p\(Int(percentile)) direct "
                    + "\(formatNumber(directFigure)) ms, through victor mcp \(formatNumber(gatewayFigure)) ms, "
                    + "added \(formatNumber(added)) ms (medians: direct "
                    + "\(formatNumber(Measure.median(directTimes))) ms, gateway "
                    + "\(formatNumber(Measure.median(gatewayTimes))) ms)",
                target: target
            )
        } catch {
            await gateway.stop()
            await direct.stop()
            throw error
        }
    }
}

/// An MCP server started as a child process, with the MCP SDK's client on its standard input
/// and output; its standard error is discarded.
// Process and Pipe are used only through their thread-safe members after launch.
final class MCPChild: @unchecked Sendable {
    let client: Client
    private let process: Process
    private let input: Pipe
    private let output: Pipe

    private init(client: Client, process: Process, input: Pipe, output: Pipe) {
        self.client = client
        self.process = process
        self.input = input
        self.output = output
    }

    static func start(_ executable: String, _ arguments: [String], in directory: String) async throws -> MCPChild {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let client = Client(name: "victor-bench", version: "1.0.0")
        let child = MCPChild(client: client, process: process, input: input, output: output)
        // The gateway's own pipe transport: the SDK's StdioTransport sleeps 10 ms whenever its
        // input is empty, which would swamp the figure with noise on both paths.
        let transport = PipeTransport(
            input: output.fileHandleForReading.fileDescriptor,
            output: input.fileHandleForWriting.fileDescriptor,
            logger: Logger(label: "victor.bench.mcp")
        )
        do {
            // Bounded: a child that never answers the handshake fails the run in 30 s.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await client.connect(transport: transport) }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    throw BenchmarkError("\(executable) did not answer the MCP handshake in 30 s")
                }
                _ = try await group.next()
                group.cancelAll()
            }
        } catch {
            await child.stop()
            throw error
        }
        return child
    }

    /// The milliseconds one call takes, answer included.
    func time(_ tool: String, _ arguments: [String: Value]) async throws -> Double {
        let start = ContinuousClock.now
        let (content, isError) = try await client.callTool(name: tool, arguments: arguments)
        let elapsed = ContinuousClock.now - start
        guard isError != true, case .text(let text, _, _)? = content.first, text == "ping" else {
            throw BenchmarkError("\(tool) did not echo: \(content)")
        }
        let (seconds, attoseconds) = elapsed.components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }

    /// Disconnects and ends the child: end of input, then SIGTERM after two seconds.
    func stop() async {
        await client.disconnect()
        try? input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .seconds(2)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? output.fileHandleForReading.close()
    }
}
