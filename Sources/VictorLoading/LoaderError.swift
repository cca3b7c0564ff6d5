/// An error thrown by a ``ComponentLoader``: a code, a readable message, the component
/// involved, an underlying cause when a factory failed, and where the failing call was made.
public struct LoaderError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case notRegistered, alreadyRegistered, dependencyCycle, missingDependency
            case undeclaredDependency, factoryFailed, typeMismatch, foreignKey, invalidArgument, cancelled
        }
        let base: Base

        /// No component is registered under the name.
        public static let notRegistered = Code(base: .notRegistered)
        /// A component is already registered under the name.
        public static let alreadyRegistered = Code(base: .alreadyRegistered)
        /// The registration would close a dependency cycle; ``LoaderError/cycle`` names it.
        public static let dependencyCycle = Code(base: .dependencyCycle)
        /// A dependency of the component being loaded was never registered.
        public static let missingDependency = Code(base: .missingDependency)
        /// A factory asked its resolver for a component it did not declare as a dependency.
        public static let undeclaredDependency = Code(base: .undeclaredDependency)
        /// The factory (or a dependency's factory) threw; ``LoaderError/cause`` holds the error.
        public static let factoryFailed = Code(base: .factoryFailed)
        /// The component's value is not of the requested type.
        public static let typeMismatch = Code(base: .typeMismatch)
        /// The key was issued by a different loader.
        public static let foreignKey = Code(base: .foreignKey)
        /// An argument is out of range.
        public static let invalidArgument = Code(base: .invalidArgument)
        /// The calling task was cancelled while it waited for a load. Other callers of the same
        /// load are not affected.
        public static let cancelled = Code(base: .cancelled)

        /// The code's name, such as `dependencyCycle`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable explanation naming the components involved.
    public var message: String
    /// The component the failing operation was about.
    public var component: String
    /// For ``Code/dependencyCycle``: the cycle, first name repeated at the end (`a`, `b`, `a`).
    public var cycle: [String]
    /// The error a factory threw, for ``Code/factoryFailed``.
    public var cause: (any Error)?
    /// The file of the call that failed.
    public var file: String
    /// The line of the call that failed.
    public var line: Int

    init(
        _ code: Code,
        _ message: String,
        component: String,
        cycle: [String] = [],
        cause: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.component = component
        self.cycle = cycle
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// `code: message (at file:line)`, with the cause when there is one.
    public var description: String {
        var text = "\(code): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text + " [\(file):\(line)]"
    }
}
