import VictorFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command's text goes: one sink for standard output and one for standard error.
///
/// Every `victor` command writes through ``current``, which ``VictorCommand/runMain(_:output:)``
/// binds for the duration of a run; tests bind a recorder and read what a user would see.
public struct CommandOutput: Sendable {
    /// Receives text for standard output, exactly as written (line breaks included).
    public var standardOutput: @Sendable (String) -> Void
    /// Receives text for standard error, exactly as written (line breaks included).
    public var standardError: @Sendable (String) -> Void

    /// Creates an output from its two sinks.
    public init(
        standardOutput: @escaping @Sendable (String) -> Void,
        standardError: @escaping @Sendable (String) -> Void
    ) {
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// The process's own standard output and standard error, written unbuffered. The only place
    /// the command line writes to the real streams; a stream that cannot be written (a closed
    /// pipe, a full disk) loses the text without stopping the command.
    public static let processStreams = CommandOutput(
        standardOutput: { writeAll($0, to: STDOUT_FILENO) },
        standardError: { writeAll($0, to: STDERR_FILENO) }
    )

    /// The output of the command running in this task: ``processStreams`` unless a run binds
    /// another.
    @TaskLocal public static var current = CommandOutput.processStreams

    /// Writes `text` to standard output as it is.
    func write(_ text: String) { standardOutput(text) }

    /// Writes `text` and a line break to standard output.
    func line(_ text: String) { standardOutput(text + "\n") }

    /// Writes `text` and a line break to standard error.
    func errorLine(_ text: String) { standardError(text + "\n") }

    private static func writeAll(_ text: String, to descriptor: Int32) {
        // A closed or full stream has nowhere to report to.
        _ = VictorFiles.writeAll(Array(text.utf8), to: descriptor)
    }
}
