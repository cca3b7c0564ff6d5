import ArgumentParser
import Foundation

/// The `victor` command: benchmarks, personas and authorization from the command line.
///
/// Exit codes: 0 success, 1 a failed benchmark (or a domain failure a subcommand documents),
/// 2 bad arguments or bad input.
public struct VictorCommand: AsyncParsableCommand {
    /// The command's name, summary and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "victor",
        abstract: "Victor: runtime building blocks for AI-agent hosts.",
        subcommands: [BenchCommand.self, PersonaCommand.self, AuthzCommand.self]
    )

    /// Creates the command; ArgumentParser fills it from the arguments.
    public init() {}

    /// Parses `arguments` (the process's own when `nil`, rejected with exit code 2 when one is not
    /// valid UTF-8), runs the chosen subcommand, and returns the process exit code. Argument
    /// errors exit with 2, not ArgumentParser's 64.
    public static func runMain(_ arguments: [String]? = nil) async -> Int32 {
        // The process's own arguments are checked as bytes first: invalid UTF-8 is rejected.
        guard let arguments else { return await runMain(rawArguments: RawArguments.process()) }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                return 0
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            return code == .validationFailure ? 2 : code.rawValue
        }
    }
}

/// Writes `text` to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
