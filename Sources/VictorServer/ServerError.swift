public import HTTPTypes
import VictorDocuments

/// An error of the service: a code (which decides the HTTP status), a readable message, where
/// in the request body the problem is, every problem of an invalid document, and the source
/// location of the failing call.
///
/// Responses carry it as `{"error": {"code": …, "message": …, "location"?: …, "issues"?: […]}}`.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidJSON = "invalid_json"
            case invalidRequest = "invalid_request"
            case invalidName = "invalid_name"
            case bodyTooLarge = "body_too_large"
            case tooDeep = "too_deep"
            case unauthorized
            case forbidden
            case notFound = "not_found"
            case methodNotAllowed = "method_not_allowed"
            case conflict
            case preconditionFailed = "precondition_failed"
            case preconditionRequired = "precondition_required"
            case invalidDocument = "invalid_document"
            case unavailable
            case invalidConfiguration = "invalid_configuration"
            case insecureBinding = "insecure_binding"
            case io
            case `internal`
        }
        let base: Base

        /// A body that is not strict JSON (400), with the position of the first problem.
        public static let invalidJSON = Code(base: .invalidJSON)
        /// Well-formed JSON that is not the request the route takes: a missing or unknown key,
        /// a wrong type (400).
        public static let invalidRequest = Code(base: .invalidRequest)
        /// A name that breaks the exact-name rule (400).
        public static let invalidName = Code(base: .invalidName)
        /// A body larger than the configured limit (413).
        public static let bodyTooLarge = Code(base: .bodyTooLarge)
        /// A body nesting deeper than the configured limit (400).
        public static let tooDeep = Code(base: .tooDeep)
        /// No bearer token, or one that is not known (401).
        public static let unauthorized = Code(base: .unauthorized)
        /// A known token without the scope the route needs (403).
        public static let forbidden = Code(base: .forbidden)
        /// No such route, session, persona or version (404).
        public static let notFound = Code(base: .notFound)
        /// The route exists, not with this method (405).
        public static let methodNotAllowed = Code(base: .methodNotAllowed)
        /// The change collides with the stored state (409).
        public static let conflict = Code(base: .conflict)
        /// `If-Match` names a version that is no longer current (412).
        public static let preconditionFailed = Code(base: .preconditionFailed)
        /// A write without the `If-Match` it needs (428).
        public static let preconditionRequired = Code(base: .preconditionRequired)
        /// A document that is JSON but not a valid configuration or persona (422), with every
        /// problem.
        public static let invalidDocument = Code(base: .invalidDocument)
        /// The server cannot take the request now: the session table is full (503).
        public static let unavailable = Code(base: .unavailable)
        /// The server's own configuration is invalid (at startup).
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// A non-loopback address without a tokens file (at startup).
        public static let insecureBinding = Code(base: .insecureBinding)
        /// A file could not be read or written (500 in a response).
        public static let io = Code(base: .io)
        /// Anything else (500).
        public static let `internal` = Code(base: .internal)

        /// The code's name as responses carry it, such as `invalid_json`.
        public var description: String { base.rawValue }

        /// The HTTP status a response with this code has.
        public var status: HTTPResponse.Status {
            switch base {
            case .invalidJSON, .invalidRequest, .invalidName, .tooDeep: .badRequest
            case .bodyTooLarge: .contentTooLarge
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .conflict: .conflict
            case .preconditionFailed: .preconditionFailed
            case .preconditionRequired: .preconditionRequired
            case .invalidDocument: .unprocessableContent
            case .unavailable: .serviceUnavailable
            case .invalidConfiguration, .insecureBinding, .io, .internal: .internalServerError
            }
        }
    }

    /// Where in the request body a problem is: a position, a key path, or both.
    public struct Location: Sendable, Hashable {
        /// The 1-based line, when known.
        public var line: Int?
        /// The 1-based column, in Unicode scalars, when known.
        public var column: Int?
        /// The key path of the value, such as `context.tier`, when known.
        public var path: String?

        /// Creates a location.
        public init(line: Int? = nil, column: Int? = nil, path: String? = nil) {
            self.line = line
            self.column = column
            self.path = path
        }
    }

    /// One problem of an invalid document.
    public struct Issue: Sendable, Hashable {
        /// Where it is, when known.
        public var location: Location?
        /// What is wrong.
        public var message: String

        /// Creates an issue.
        public init(location: Location?, message: String) {
            self.location = location
            self.message = message
        }

        init(_ issue: DocumentIssue) {
            location = Location(
                line: issue.position?.line,
                column: issue.position?.column,
                path: issue.keyPath.isEmpty ? nil : issue.keyPath
            )
            message = issue.message
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable explanation.
    public var message: String
    /// Where in the request body the problem is, when it is in one.
    public var location: Location?
    /// Every problem of an invalid document (``Code/invalidDocument``, ``Code/invalidConfiguration``).
    public var issues: [Issue]
    /// The source file of the call that failed, as `#fileID` gives it.
    public var file: String
    /// The source line of the call that failed.
    public var line: Int

    /// Creates an error.
    public init(
        _ code: Code,
        _ message: String,
        location: Location? = nil,
        issues: [Issue] = [],
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.issues = issues
        self.file = file
        self.line = line
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
