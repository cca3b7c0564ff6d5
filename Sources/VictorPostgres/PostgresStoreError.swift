import PostgresNIO

/// An error of the PostgreSQL backends: a code, a readable message, the underlying error, and the
/// source location of the failing call.
///
/// Messages never carry a password: a URL in a message is always ``PostgresStoreURL/redacted``.
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidURL = "invalid_url"
            case unavailable
            case migration
            case query
            case damaged
            case invalidDocument = "invalid_document"
            case conflict
        }
        let base: Base

        /// A store URL that is not a `postgres://` URL Victor can use, with what is wrong in it.
        public static let invalidURL = Code(base: .invalidURL)
        /// The database cannot be reached, or the connection broke.
        public static let unavailable = Code(base: .unavailable)
        /// A schema migration failed; nothing of it was applied.
        public static let migration = Code(base: .migration)
        /// A statement failed.
        public static let query = Code(base: .query)
        /// A row holds something Victor did not write, or not as it wrote it.
        public static let damaged = Code(base: .damaged)
        /// A configuration document that does not validate; nothing was stored.
        public static let invalidDocument = Code(base: .invalidDocument)
        /// A change expected a generation that is no longer the stored one.
        public static let conflict = Code(base: .conflict)

        /// The code's name, such as `invalid_url`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable explanation.
    public var message: String
    /// The underlying error, when there is one.
    public var cause: (any Error)?
    /// The source file of the call that failed, as `#fileID` gives it; not part of ``description``.
    public var file: String
    /// The source line of the call that failed; not part of ``description``.
    public var line: Int

    /// Creates an error.
    /// - Parameters:
    ///   - code: what kind of failure this is.
    ///   - message: a readable explanation, with no password in it.
    ///   - cause: the underlying error.
    ///   - file: the source file of the failing call.
    ///   - line: the source line of the failing call.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// `message (cause) [code]`.
    public var description: String {
        var text = message
        if let cause { text += " (\(PostgresStoreError.describe(cause)))" }
        return text + " [\(code)]"
    }

    /// A PostgreSQL error's server message rather than PostgresNIO's generic description, which
    /// hides it to keep query text out of logs.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresStoreError { return error.description }
        guard let error = error as? PSQLError else { return "\(error)" }
        var text = "\(error.code)"
        if let message = error.serverInfo?[.message] { text += ": \(message)" }
        if let state = error.serverInfo?[.sqlState] { text += " (SQLSTATE \(state))" }
        if let underlying = error.underlying { text += ": \(underlying)" }
        return text
    }

    /// The SQLSTATE of a server error, such as `23505` for a unique violation.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
