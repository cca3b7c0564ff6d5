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

    /// The fields, boxed: a result array holds one `Result<Value, ExecutionError>` per task, so
    /// the error is kept one word wide (a 100,000-task report of `Int`s is 1.6 MB, not 7.2 MB).
    @usableFromInline
    struct Fields: Sendable {
        var code: Code
        var message: String
        var taskIndex: Int?
        var cause: (any Error)?
        var file: String
        var line: Int
    }

    @usableFromInline
    final class Box: Sendable {
        let fields: Fields

        init(_ fields: Fields) {
            self.fields = fields
        }
    }

    @usableFromInline
    var box: Box

    private mutating func update(_ change: (inout Fields) -> Void) {
        var fields = box.fields
        change(&fields)
        box = Box(fields)
    }

    /// What kind of failure this is.
    public var code: Code {
        get { box.fields.code }
        set { update { $0.code = newValue } }
    }
    /// A readable explanation.
    public var message: String {
        get { box.fields.message }
        set { update { $0.message = newValue } }
    }
    /// The position in the batch of the task this error is the result of; `nil` for a
    /// configuration error.
    public var taskIndex: Int? {
        get { box.fields.taskIndex }
        set { update { $0.taskIndex = newValue } }
    }
    /// What the task threw, for ``Code/taskFailed`` and ``Code/cancelled``.
    public var cause: (any Error)? {
        get { box.fields.cause }
        set { update { $0.cause = newValue } }
    }
    /// The file where the error was created.
    public var file: String {
        get { box.fields.file }
        set { update { $0.file = newValue } }
    }
    /// The line where the error was created.
    public var line: Int {
        get { box.fields.line }
        set { update { $0.line = newValue } }
    }

    @usableFromInline
    init(
        _ code: Code,
        _ message: String,
        taskIndex: Int? = nil,
        cause: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        box = Box(Fields(code: code, message: message, taskIndex: taskIndex, cause: cause, file: file, line: line))
    }

    /// `code: message`, with the cause when there is one, and the source location.
    public var description: String {
        var text = "\(code): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text + " [\(file):\(line)]"
    }
}
