/// An error from the MCP gateway: a code, a readable message, and where in Victor's source it
/// was raised.
public struct MCPGatewayError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidConfiguration, invalidArgument, upstreamUnavailable, upstreamFailed, unsupportedSchema
        }
        let base: Base

        /// The configuration is invalid; the message lists every problem with its location.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// An argument is out of range, such as a session without a user.
        public static let invalidArgument = Code(base: .invalidArgument)
        /// An upstream could not be started, or is waiting out its restart backoff.
        public static let upstreamUnavailable = Code(base: .upstreamUnavailable)
        /// An upstream broke off a call: its process exited, or it answered with a protocol error.
        public static let upstreamFailed = Code(base: .upstreamFailed)
        /// An upstream tool's input schema uses a keyword the gate cannot enforce.
        public static let unsupportedSchema = Code(base: .unsupportedSchema)

        /// The code's name, such as `upstreamFailed`.
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
