/// An error from a ``ParallelExecutor``: an invalid configuration, or the failure recorded as one
/// task's result. It carries a code, a readable message, the task's position in the batch, the
/// error the task threw (if any) and where the error was created.
public struct ExecutionError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidConfiguration, taskFailed, timedOut, cancelled, notStarted
        }
        let base: Base

        /// A configuration field is out of range; the message names it.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The task threw; ``ExecutionError/cause`` holds the error.
        public static let taskFailed = Code(base: .taskFailed)
        /// The task ran longer than ``ExecutorConfiguration/taskTimeout`` and was cancelled.
        public static let timedOut = Code(base: .timedOut)
        /// The task was running when the run was cancelled (by the caller, or by fail-fast after
        /// another task failed) and it threw; ``ExecutionError/cause`` holds what it threw.
        public static let cancelled = Code(base: .cancelled)
        /// The task never started: the run was cancelled, or stopped by fail-fast, first.
        public static let notStarted = Code(base: .notStarted)

        /// The code's name, such as `timedOut`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable explanation.
    public var message: String
    /// The position in the batch of the task this error is the result of; `nil` for a
    /// configuration error.
    public var taskIndex: Int?
    /// What the task threw, for ``Code/taskFailed`` and ``Code/cancelled``.
    public var cause: (any Error)?
    /// The file where the error was created.
    public var file: String
    /// The line where the error was created.
    public var line: Int

    @usableFromInline
    init(
        _ code: Code,
        _ message: String,
        taskIndex: Int? = nil,
        cause: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.taskIndex = taskIndex
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// `code: message`, with the cause when there is one, and the source location.
    public var description: String {
        var text = "\(code): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text + " [\(file):\(line)]"
    }
}
