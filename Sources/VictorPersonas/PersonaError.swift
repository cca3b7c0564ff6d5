/// An error from the persona module: a code, a readable message, and where it happened — the
/// file, line, column and key path of a bad document, or the persona involved.
public struct PersonaError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case syntax, unknownKey, duplicateKey, missingKey, wrongType, unknownValue, invalidValue
            case notFound, conflict, alreadyExists, incompatible, io, invalidArgument, damaged
        }
        let base: Base

        /// The document is not well-formed YAML or JSON.
        public static let syntax = Code(base: .syntax)
        /// The document has a key the format does not define.
        public static let unknownKey = Code(base: .unknownKey)
        /// A key appears twice in one mapping.
        public static let duplicateKey = Code(base: .duplicateKey)
        /// A required key is absent.
        public static let missingKey = Code(base: .missingKey)
        /// A value has the wrong type, such as a string where a list belongs.
        public static let wrongType = Code(base: .wrongType)
        /// A value is not one of the allowed values of an enumeration.
        public static let unknownValue = Code(base: .unknownValue)
        /// A value breaks a rule: an empty name, a tool both preferred and forbidden, a limit below 1.
        public static let invalidValue = Code(base: .invalidValue)
        /// No persona (or version) exists under the identifier.
        public static let notFound = Code(base: .notFound)
        /// A save or delete expected a version that is no longer the stored one.
        public static let conflict = Code(base: .conflict)
        /// A persona with the identifier already exists.
        public static let alreadyExists = Code(base: .alreadyExists)
        /// Personas cannot be merged, such as a cautious and a creative one.
        public static let incompatible = Code(base: .incompatible)
        /// Reading or writing a file failed; ``PersonaError/cause`` holds the reason.
        public static let io = Code(base: .io)
        /// An argument is out of range.
        public static let invalidArgument = Code(base: .invalidArgument)
        /// A store holds something it did not write, or not as it wrote it: a file that does not
        /// read back as the persona its name says, a symbolic link (never followed inside a
        /// store), or an entry of the wrong kind. ``PersonaError/file`` names it.
        public static let damaged = Code(base: .damaged)

        /// The code's name, such as `conflict`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable explanation.
    public var message: String
    /// The document or store file involved, when there is one.
    public var file: String?
    /// The 1-based line in ``file``, for document errors.
    public var line: Int?
    /// The 1-based column in ``file``, for document errors.
    public var column: Int?
    /// The dotted key path of the offending value, such as `personas.auditor.constraints.forbidden_tools`.
    public var keyPath: String?
    /// The persona involved, when known.
    public var personaID: String?
    /// The underlying error, for ``Code/io``.
    public var cause: (any Error)?
    /// Where in Victor's source the error was raised, for bug reports; not part of ``description``.
    public var source: SourceLocation

    /// A place in Victor's source code.
    public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
        /// The file, as `#fileID` gives it: `VictorPersonas/DirectoryPersonaStore.swift`.
        public var fileID: String
        /// The line.
        public var line: Int

        /// `VictorPersonas/DirectoryPersonaStore.swift:42`.
        public var description: String { "\(fileID):\(line)" }
    }

    /// Creates an error.
    public init(
        _ code: Code,
        _ message: String,
        file: String? = nil,
        line: Int? = nil,
        column: Int? = nil,
        keyPath: String? = nil,
        personaID: String? = nil,
        cause: (any Error)? = nil,
        sourceFileID: String = #fileID,
        sourceLine: Int = #line
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.personaID = personaID
        self.cause = cause
        self.source = SourceLocation(fileID: sourceFileID, line: sourceLine)
    }

    /// `file:line:column: key: message (code)`, with the parts that are known.
    public var description: String {
        var location = ""
        if let file {
            location = file
            if let line {
                location += ":\(line)"
                if let column { location += ":\(column)" }
            }
            location += ": "
        }
        var text = location
        if let keyPath, !keyPath.isEmpty { text += "\(keyPath): " }
        text += message
        if let cause { text += " (\(cause))" }
        return text + " [\(code)]"
    }
}
