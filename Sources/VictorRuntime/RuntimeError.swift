/// An error from the runtime: a code, a readable message, and where in Victor's source it was
/// raised.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidName, duplicateTool, unknownTool, invalidSchema, invalidJSON, invalidArgument
            case persona, invalidConfiguration, io, closed, invalidReceipt
        }
        let base: Base

        /// A tool or argument name breaks the exact-name rule.
        public static let invalidName = Code(base: .invalidName)
        /// A tool with the name is already registered.
        public static let duplicateTool = Code(base: .duplicateTool)
        /// No tool is registered under the name.
        public static let unknownTool = Code(base: .unknownTool)
        /// An input schema uses a keyword the gate cannot enforce, or is malformed.
        public static let invalidSchema = Code(base: .invalidSchema)
        /// A JSON text is not well-formed, or uses YAML-only syntax.
        public static let invalidJSON = Code(base: .invalidJSON)
        /// An argument is out of range, such as a session context key the runtime reserves.
        public static let invalidArgument = Code(base: .invalidArgument)
        /// The persona cannot be loaded or adapted; ``RuntimeError/cause`` holds the persona error.
        public static let persona = Code(base: .persona)
        /// A runtime configuration file is invalid; the message lists every problem with its location.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// Reading or writing a file failed; ``RuntimeError/cause`` holds the reason.
        public static let io = Code(base: .io)
        /// The audit sink is closed.
        public static let closed = Code(base: .closed)
        /// An outcome receipt is malformed, or was not sealed with the key it is opened with.
        public static let invalidReceipt = Code(base: .invalidReceipt)

        /// The code's name, such as `unknownTool`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable explanation.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error)?
    /// The source file that raised the error, as `#fileID` gives it.
    public var file: String
    /// The source line that raised the error.
    public var line: Int

    /// Creates an error.
    public init(
        _ code: Code,
        _ message: String,
        cause: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
