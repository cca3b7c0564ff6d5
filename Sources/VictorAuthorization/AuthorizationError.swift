/// One problem found in an authorization configuration, with where it is.
public struct ConfigurationIssue: Sendable, Hashable, CustomStringConvertible {
    /// The file the configuration came from, or a label such as `<configuration>`.
    public var file: String
    /// The 1-based line of the offending key or value; 0 when the configuration has no source.
    public var line: Int
    /// The 1-based column; 0 when the configuration has no source.
    public var column: Int
    /// The path of the offending key, such as `roles.developer.inherits[0]`.
    public var key: String
    /// What is wrong.
    public var message: String

    /// Creates an issue.
    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `FILE:LINE:COLUMN: KEY: message`, or `FILE: KEY: message` without a source location.
    public var description: String {
        let location = line > 0 ? "\(file):\(line):\(column)" : file
        return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
    }
}

/// An error thrown by the authorization module: a code, a readable message, the configuration
/// issues behind it when there are any, and where the failing call was made.
public struct AuthorizationError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidConfiguration, unreadableFile, unwritableFile, invalidValue
        }
        let base: Base

        /// The configuration is malformed or inconsistent; ``AuthorizationError/issues`` lists
        /// every problem found. Nothing was changed.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The configuration file could not be read.
        public static let unreadableFile = Code(base: .unreadableFile)
        /// The configuration file could not be written.
        public static let unwritableFile = Code(base: .unwritableFile)
        /// A value given as text (a command-line `KEY=VALUE`) is not a valid value.
        public static let invalidValue = Code(base: .invalidValue)

        /// The code's name, such as `invalidConfiguration`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A readable summary.
    public var message: String
    /// For ``Code/invalidConfiguration``: every problem found, in document order.
    public var issues: [ConfigurationIssue]
    /// The file of the call that failed.
    public var file: String
    /// The line of the call that failed.
    public var line: Int

    init(
        _ code: Code,
        _ message: String,
        issues: [ConfigurationIssue] = [],
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.issues = issues
        self.file = file
        self.line = line
    }

    /// `code: message`, then one line per issue.
    public var description: String {
        ([("\(code): \(message)")] + issues.map(\.description)).joined(separator: "\n")
    }
}
