/// An error from the persona module: a code, a readable message, where the problem is (the
/// document position of a bad document or stored file, the persona involved), and the source
/// location of the failing call, as every Victor error carries it.
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
        /// store), or an entry of the wrong kind. ``PersonaError/location`` names it.
        public static let damaged = Code(base: .damaged)

        /// The code's name, such as `conflict`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable explanation.
    public var message: String
    /// Where the problem is in a document or a stored file, when it is in one: the file, line,
    /// column and key path that are known.
    public var location: DocumentLocation?
    /// The persona involved, when known.
    public var personaID: String?
    /// The underlying error, for ``Code/io``.
    public var cause: (any Error)?
    /// The source file of the call that failed, as `#fileID` gives it; not part of ``description``.
    public var file: String
    /// The source line of the call that failed; not part of ``description``.
    public var line: Int

    /// Creates an error.
    public init(
        _ code: Code,
        _ message: String,
        location: DocumentLocation? = nil,
        personaID: String? = nil,
        cause: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.personaID = personaID
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// `FILE:LINE:COLUMN: key.path: message (cause) [code]`, with the parts that are known.
    public var description: String {
        var text = ""
        if let location, !location.description.isEmpty { text = location.description + ": " }
        text += message
        if let cause { text += " (\(cause))" }
        return text + " [\(code)]"
    }
}

/// Where a problem is in a persona document or a stored file: the file, the 1-based line and
/// column, and the dotted key path of the offending value, each when known.
///
/// A persona checked outside any document (``Persona/validate()``) has a key path and no file; a
/// stored file that cannot be read has a file and no line.
public struct DocumentLocation: Sendable, Hashable, CustomStringConvertible {
    /// The document or stored file, or a label such as `<stdin>`.
    public var file: String?
    /// The 1-based line in ``file``.
    public var line: Int?
    /// The 1-based column in ``file``.
    public var column: Int?
    /// The dotted key path of the offending value, such as `personas.auditor.constraints.forbidden_tools`.
    public var keyPath: String?

    /// Creates a location.
    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, keyPath: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
    }

    /// `FILE:LINE:COLUMN: key.path`, with the parts that are known (a line only after a file, a
    /// column only after a line); empty when nothing is known.
    public var description: String {
        var parts: [String] = []
        if let file {
            var position = file
            if let line {
                position += ":\(line)"
                if let column { position += ":\(column)" }
            }
            parts.append(position)
        }
        if let keyPath, !keyPath.isEmpty { parts.append(keyPath) }
        return parts.joined(separator: ": ")
    }
}
