public import ArgumentParser
import VictorMCP

/// The `victor` command: benchmarks, personas and authorization from the command line.
///
/// Exit codes are those of ``CommandFailureKind/exitCode``: 0 on success, 1 when what was
/// checked did not hold or a named thing is missing, conflicting or unreadable in a store, 2 on
/// bad arguments or bad input, 3 for a benchmark regression.
public struct VictorCommand: AsyncParsableCommand {
    /// The command's name, summary and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "victor",
        abstract: "Victor: runtime building blocks for AI-agent hosts.",
        subcommands: [
            BenchCommand.self, PersonaCommand.self, AuthzCommand.self, ToolsCommand.self, ServeCommand.self,
            MCPCommand.self, DatabaseCommand.self,
        ]
    )

    /// Creates the command; ArgumentParser fills it from the arguments.
    public init() {}

    /// Prepares the process for the subcommand named in `arguments`, before anything runs:
    /// `victor mcp` runs Swift Concurrency on the event loop its pipes are read on
    /// (``MCPGateway/runConcurrencyOnEventLoop()``). Call it once, first thing in `main`.
    public static func prepareProcess(arguments: [String] = CommandLine.arguments) {
        if arguments.dropFirst().first == MCPCommand.configuration.commandName {
            MCPGateway.runConcurrencyOnEventLoop()
        }
    }

    /// Parses `arguments` (the process's own when `nil`, rejected with exit code 2 when one is not
    /// valid UTF-8), runs the chosen subcommand with `output` as its ``CommandOutput/current``,
    /// and returns the process exit code (``CommandFailureKind/exitCode``). Argument errors exit
    /// with 2, not ArgumentParser's 64.
    public static func runMain(_ arguments: [String]? = nil, output: CommandOutput = .processStreams) async -> Int32 {
        // The process's own arguments are checked as bytes first: invalid UTF-8 is rejected.
        guard let arguments else { return await runMain(rawArguments: RawArguments.process(), output: output) }
        return await CommandOutput.$current.withValue(output) {
            do {
                var command = try parseAsRoot(arguments)
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                return 0
            } catch {
                return report(error, to: output)
            }
        }
    }

    /// Writes what `error` says to `output` and returns the exit code: a failure the command line
    /// knows with its own messages, ArgumentParser's help on standard output (exit 0) and its
    /// usage errors on standard error (exit 2).
    static func report(_ error: any Error, to output: CommandOutput) -> Int32 {
        if let failure = CommandFailure(classifying: error) {
            for message in failure.messages { output.errorLine(message) }
            return failure.kind.exitCode
        }
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { output.line(message) }
            return 0
        }
        if !message.isEmpty { output.errorLine(message) }
        let kind: CommandFailureKind = code == .validationFailure ? .usage : .unexpected
        return kind.exitCode
    }
}
