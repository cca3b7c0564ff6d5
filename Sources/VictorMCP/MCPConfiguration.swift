import Foundation
public import VictorAuthorization
import VictorDocuments
public import VictorRuntime

/// One MCP server the gateway forwards calls to: a command started on first use, speaking MCP
/// over its standard input and output.
public struct UpstreamConfiguration: Sendable, Hashable {
    /// The upstream's name: its tools are offered as `NAME.TOOL`. It follows the exact-name
    /// rule and holds no `.`.
    public var name: String
    /// The program to run (a path, or a name looked up in `PATH`).
    public var command: String
    /// Its arguments.
    public var arguments: [String]
    /// Environment variables set for it, on top of the gateway's own environment.
    public var environment: [String: String]
    /// The directory it runs in; `nil` for the gateway's own.
    public var workingDirectory: String?
    /// The most calls forwarded to it at once.
    public var maxConcurrentCalls: Int
    /// Per tool (by its upstream name), the top-level arguments policies may read as
    /// `context.args.NAME`.
    public var policyArguments: [String: [String]]

    /// Creates an upstream's configuration.
    public init(
        name: String,
        command: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        maxConcurrentCalls: Int = 8,
        policyArguments: [String: [String]] = [:]
    ) {
        self.name = name
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.maxConcurrentCalls = maxConcurrentCalls
        self.policyArguments = policyArguments
    }
}

/// What `victor.yaml` says to the MCP gateway: the runtime's own sections, and the `mcp`
/// section with the upstreams, how many of them run at once, how crashed ones restart, and the
/// session's defaults.
///
/// ```yaml
/// mcp:
///   max_running_upstreams: 4        # least recently used ones are shut down beyond this
///   restart_backoff_ms: 250         # the wait before restarting a crashed upstream, doubled
///   max_restart_backoff_ms: 10000   #   after each crash in a row, up to this
///   session: {user: alice, persona: code_reviewer, context: {env: dev}}
///   http: {max_sessions: 16, idle_timeout_ms: 600000}   # MCP over HTTP under `victor serve`
///   upstreams:
///     - name: files
///       command: npx
///       args: ["-y", "@modelcontextprotocol/server-filesystem", "."]
///       env: {NODE_ENV: production}
///       cwd: .                      # relative to this file
///       max_concurrent_calls: 4
///       policy_arguments: {read_file: [path]}
/// ```
///
/// The timeout of a forwarded call is the runtime's `limits.call_timeout_ms`, the bound on
/// calls running at once across all upstreams its `limits.max_concurrent_calls`.
public struct MCPConfiguration: Sendable {
    /// The runtime's configuration: authorization, personas, limits, audit.
    public var runtime: RuntimeConfiguration
    /// The upstreams, in the file's order.
    public var upstreams: [UpstreamConfiguration]
    /// The most upstream processes running at once.
    public var maxRunningUpstreams: Int
    /// The wait before the first restart of a crashed upstream.
    public var restartBackoff: Duration
    /// The longest wait before a restart.
    public var maxRestartBackoff: Duration
    /// The session's user when `--user` is not given.
    public var user: String?
    /// The session's persona when `--persona` is not given.
    public var persona: String?
    /// The session's context, under what `--context` gives.
    public var context: [String: AttributeValue]
    /// The most MCP sessions `victor serve` holds at once over HTTP; each runs its own upstreams.
    public var maxHTTPSessions: Int
    /// How long an MCP session over HTTP may stay unused before it is closed.
    public var httpIdleTimeout: Duration

    /// A configuration without upstreams.
    public init(runtime: RuntimeConfiguration = RuntimeConfiguration(), upstreams: [UpstreamConfiguration] = []) {
        self.runtime = runtime
        self.upstreams = upstreams
        maxRunningUpstreams = 8
        restartBackoff = .milliseconds(250)
        maxRestartBackoff = .seconds(10)
        user = nil
        persona = nil
        context = [:]
        maxHTTPSessions = 16
        httpIdleTimeout = .seconds(600)
    }

    static let sectionKeys: Set<String> = [
        "upstreams", "max_running_upstreams", "restart_backoff_ms", "max_restart_backoff_ms", "session", "http",
    ]
    static let httpKeys: Set<String> = ["max_sessions", "idle_timeout_ms"]
    static let upstreamKeys: Set<String> = [
        "name", "command", "args", "env", "cwd", "max_concurrent_calls", "policy_arguments",
    ]
    static let sessionKeys: Set<String> = ["user", "persona", "context"]

    /// Reads `victor.yaml`; relative paths are relative to its directory.
    /// - Throws: ``MCPGatewayError/Code/invalidConfiguration`` listing every problem, one
    ///   `FILE:LINE:COLUMN: key.path: message` per line.
    public static func load(contentsOf path: String) throws(MCPGatewayError) -> MCPConfiguration {
        let runtime: RuntimeConfiguration
        do {
            runtime = try RuntimeConfiguration.load(contentsOf: path)
        } catch {
            throw MCPGatewayError(.invalidConfiguration, error.message)
        }
        return try read(runtime, file: path, baseDirectory: runtime.baseDirectory)
    }

    /// Reads configuration text; relative paths are relative to `baseDirectory`.
    public static func parse(
        _ text: String,
        file: String = "victor.yaml",
        baseDirectory: String = "."
    ) throws(MCPGatewayError) -> MCPConfiguration {
        let runtime: RuntimeConfiguration
        do {
            runtime = try RuntimeConfiguration.parse(text, file: file, baseDirectory: baseDirectory)
        } catch {
            throw MCPGatewayError(.invalidConfiguration, error.message)
        }
        return try read(runtime, file: file, baseDirectory: baseDirectory)
    }

    /// Reads the `mcp` section of an already read `victor.yaml`; `nil` when it has none.
    /// - Throws: ``MCPGatewayError/Code/invalidConfiguration`` listing every problem.
    package static func section(
        of runtime: RuntimeConfiguration,
        file: String
    ) throws(MCPGatewayError) -> MCPConfiguration? {
        guard runtime.mcpSection != nil else { return nil }
        return try read(runtime, file: file, baseDirectory: runtime.baseDirectory)
    }

    static func read(
        _ runtime: RuntimeConfiguration,
        file: String,
        baseDirectory: String
    ) throws(MCPGatewayError) -> MCPConfiguration {
        var configuration = MCPConfiguration(runtime: runtime)
        guard let node = runtime.mcpSection else { return configuration }
        var fields = DocumentFields(file: file)
        if let section = fields.mapping(node, "mcp", allowed: sectionKeys) {
            if let value = section["max_running_upstreams"],
                let count = fields.integer(value, "mcp.max_running_upstreams", in: 1...1_024)
            {
                configuration.maxRunningUpstreams = count
            }
            if let value = section["restart_backoff_ms"],
                let milliseconds = fields.integer(value, "mcp.restart_backoff_ms", in: 0...600_000)
            {
                configuration.restartBackoff = .milliseconds(milliseconds)
            }
            if let value = section["max_restart_backoff_ms"],
                let milliseconds = fields.integer(value, "mcp.max_restart_backoff_ms", in: 0...3_600_000)
            {
                configuration.maxRestartBackoff = .milliseconds(milliseconds)
            }
            if let value = section["session"], let session = fields.mapping(value, "mcp.session", allowed: sessionKeys)
            {
                if let user = session["user"] { configuration.user = fields.string(user, "mcp.session.user") }
                if let persona = session["persona"] {
                    configuration.persona = fields.string(persona, "mcp.session.persona")
                }
                if let context = session["context"], let entries = fields.mapping(context, "mcp.session.context") {
                    for (key, value) in entries {
                        switch value.scalar {
                        case .string(let text)?: configuration.context[key] = .string(text)
                        case .integer(let number)?: configuration.context[key] = .integer(number)
                        case .float(let number)? where number.isFinite: configuration.context[key] = .number(number)
                        case .boolean(let flag)?: configuration.context[key] = .boolean(flag)
                        default:
                            fields.fail(
                                value,
                                "mcp.session.context.\(key)",
                                "expected a string, number or boolean, found \(value.kindDescription)"
                            )
                        }
                    }
                }
            }
            if let value = section["http"], let http = fields.mapping(value, "mcp.http", allowed: httpKeys) {
                if let value = http["max_sessions"],
                    let count = fields.integer(value, "mcp.http.max_sessions", in: 1...4_096)
                {
                    configuration.maxHTTPSessions = count
                }
                if let value = http["idle_timeout_ms"],
                    let milliseconds = fields.integer(value, "mcp.http.idle_timeout_ms", in: 1_000...86_400_000)
                {
                    configuration.httpIdleTimeout = .milliseconds(milliseconds)
                }
            }
            if let value = section["upstreams"] {
                configuration.upstreams = upstreams(value, &fields, baseDirectory: baseDirectory)
            }
        }
        guard fields.issues.isEmpty else {
            throw MCPGatewayError(.invalidConfiguration, fields.issues.map(\.description).joined(separator: "\n"))
        }
        return configuration
    }

    private static func upstreams(
        _ node: DocumentNode,
        _ fields: inout DocumentFields,
        baseDirectory: String
    ) -> [UpstreamConfiguration] {
        guard let items = fields.list(node, "mcp.upstreams") else { return [] }
        var upstreams: [UpstreamConfiguration] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "mcp.upstreams[\(index)]"
            guard let entries = fields.mapping(item, path, allowed: upstreamKeys) else { continue }
            guard let nameNode = entries["name"] else {
                fields.fail(item, path, "an upstream needs a name")
                continue
            }
            guard let commandNode = entries["command"] else {
                fields.fail(item, path, "an upstream needs a command")
                continue
            }
            guard let name = fields.string(nameNode, "\(path).name").map(ExactText.normalized),
                let command = fields.string(commandNode, "\(path).command")
            else { continue }
            if let problem = ToolNamespace.problem(withUpstreamName: name) {
                fields.fail(nameNode, "\(path).name", problem)
                continue
            }
            guard seen.insert(name).inserted else {
                fields.fail(
                    nameNode,
                    "\(path).name",
                    "an upstream named \(ExactText.quotedForDisplay(name)) is defined twice"
                )
                continue
            }
            var upstream = UpstreamConfiguration(name: name, command: command)
            if let value = entries["args"] {
                // Arguments may be empty strings: read them one by one.
                if let list = fields.list(value, "\(path).args") {
                    for (position, argument) in list.enumerated() {
                        if case .scalar(.string(let text)) = argument.content {
                            upstream.arguments.append(text)
                        } else {
                            fields.fail(
                                argument,
                                "\(path).args[\(position)]",
                                "expected a string, found \(argument.kindDescription)"
                            )
                        }
                    }
                }
            }
            if let value = entries["env"], let environment = fields.mapping(value, "\(path).env") {
                for (key, entry) in environment {
                    if case .scalar(.string(let text)) = entry.content {
                        upstream.environment[key] = text
                    } else {
                        fields.fail(entry, "\(path).env.\(key)", "expected a string, found \(entry.kindDescription)")
                    }
                }
            }
            if let value = entries["cwd"], let directory = fields.string(value, "\(path).cwd") {
                upstream.workingDirectory = RuntimeConfiguration.resolve(directory, baseDirectory)
            }
            if let value = entries["max_concurrent_calls"],
                let count = fields.integer(value, "\(path).max_concurrent_calls", in: 1...4_096)
            {
                upstream.maxConcurrentCalls = count
            }
            if let value = entries["policy_arguments"], let tools = fields.mapping(value, "\(path).policy_arguments") {
                for (tool, names) in tools {
                    if let names = fields.strings(names, "\(path).policy_arguments.\(tool)") {
                        upstream.policyArguments[ExactText.normalized(tool)] = names
                    }
                }
            }
            upstreams.append(upstream)
        }
        return upstreams
    }
}
