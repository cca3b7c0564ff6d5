import ArgumentParser
import Logging
import VictorAuthorization
import VictorMCP
import VictorServer

/// `victor mcp`: an MCP server on stdio that puts the runtime's gate in front of the
/// configured MCP servers.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve MCP on stdio, gating every tool call to the configured upstream MCP servers.",
        discussion: """
            Speaks MCP on standard input and output, the way MCP clients start local servers; logs go \
            to standard error only. Tools are offered as UPSTREAM.TOOL and only when the session's \
            persona, budget and policies could allow them; every call is decided by the gate before \
            it reaches an upstream. SIGHUP reloads the authorization file and tells the client that \
            its tool list changed. Exits 0 when the client closes standard input, 2 on a bad \
            configuration or argument.
            """
    )

    @Option(help: "The configuration (victor.yaml) with its mcp section.")
    var config: String

    @Option(help: "The user the agent acts for (overrides mcp.session.user).")
    var user: String?

    @Option(help: "The persona's id (overrides mcp.session.persona).")
    var persona: String?

    @Option(
        name: .customLong("context"),
        help: ArgumentHelp("A session context entry KEY=VALUE (repeatable), typed as in YAML.", valueName: "key=value"),
        transform: KeyValueArgument.parser(for: "--context")
    )
    var contextEntries: [KeyValueArgument] = []

    @Option(help: "The least severe log level written to standard error: trace, debug, info, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        let context = try AttributeValue.context(contextEntries)
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw CommandFailure(
                .usage,
                ["Error: --log-level must be trace, debug, info, notice, warning, error or critical"]
            )
        }
        var logger = Logger(label: "victor.mcp") { label in JSONLogHandler.standardError(label: label) }
        logger.logLevel = level
        do {
            let configuration = try MCPConfiguration.load(contentsOf: config)
            let gateway = try await MCPGateway.make(
                configuration,
                user: user,
                persona: persona,
                context: context,
                logger: logger
            )
            try await gateway.serveStandardIO()
        } catch let error as MCPGatewayError {
            // Document problems are `FILE:LINE:COLUMN: key.path: message` lines already.
            let lines = error.message.split(separator: "\n").map { singleLine(String($0)) }
            let located = error.code == .invalidConfiguration
            throw CommandFailure(.invalidInput, located ? lines : lines.map { "error: " + $0 })
        }
    }
}
