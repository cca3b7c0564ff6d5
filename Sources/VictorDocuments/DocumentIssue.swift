/// One problem in a document: where it is and what is wrong.
public struct DocumentIssue: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is. New codes may be added without breaking the API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case unreadable, syntax, forbiddenCharacter, duplicateKey, invalidValue, limit
        }
        let base: Base

        /// The file cannot be read (missing, a directory, not permitted).
        public static let unreadable = Code(base: .unreadable)
        /// The text is not well-formed YAML or JSON (or not UTF-8).
        public static let syntax = Code(base: .syntax)
        /// The text or a value holds a character no document may hold.
        public static let forbiddenCharacter = Code(base: .forbiddenCharacter)
        /// A key appears twice in one mapping (after NFC normalization).
        public static let duplicateKey = Code(base: .duplicateKey)
        /// A scalar has no value: an integer out of range, a non-finite number, a bad tag.
        public static let invalidValue = Code(base: .invalidValue)
        /// The document passes one of its ``DocumentLimits``.
        public static let limit = Code(base: .limit)

        /// The code's name, such as `duplicateKey`.
        public var description: String { base.rawValue }
    }

    /// What kind of problem this is.
    public var code: Code
    /// The document's file name, or a label such as `<stdin>`.
    public var file: String
    /// Where the problem is; `nil` when it concerns the whole document.
    public var position: DocumentPosition?
    /// The dotted key path of the offending value, such as `roles.admin.permissions[0]`; empty
    /// for a problem of the text itself.
    public var keyPath: String
    /// What is wrong.
    public var message: String

    /// Creates an issue.
    public init(
        _ code: Code = .syntax,
        file: String,
        position: DocumentPosition?,
        keyPath: String = "",
        message: String
    ) {
        self.code = code
        self.file = file
        self.position = position
        self.keyPath = keyPath
        self.message = message
    }

    /// `FILE:LINE:COLUMN: key.path: message`.
    public var description: String {
        let location = position.map { "\(file):\($0)" } ?? file
        return keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}

/// A document that could not be read: every problem found, in document order.
public struct DocumentError: Error, Sendable, CustomStringConvertible {
    /// The problems, in document order.
    public var issues: [DocumentIssue]

    /// Creates an error.
    public init(_ issues: [DocumentIssue]) { self.issues = issues }

    /// One line per issue.
    public var description: String { issues.map(\.description).joined(separator: "\n") }

    /// An error holding `issues` in document order: by position (issues without one first),
    /// keeping the order they were found in at one position. Both readers build theirs so.
    static func inDocumentOrder(_ issues: [DocumentIssue]) -> DocumentError {
        let ordered = issues.enumerated().sorted { a, b in
            let left = a.element.position ?? DocumentPosition(line: 0, column: 0)
            let right = b.element.position ?? DocumentPosition(line: 0, column: 0)
            return left != right ? left < right : a.offset < b.offset
        }
        return DocumentError(ordered.map(\.element))
    }
}

/// A list or mapping being read, as much as an issue's key path needs of it.
protocol KeyPathFrame {
    var isMapping: Bool { get }
    /// Items read so far, for a list.
    var itemCount: Int { get }
    /// The key read and waiting for its value, for a mapping.
    var pendingKeyText: String? { get }
}

extension KeyPathFrame {
    /// The key path of the node being read inside `frames`, such as `requests[3].resource`
    /// (and `key` under it); computed only for an issue.
    static func keyPath(_ frames: [Self], key: String?) -> String {
        var path = ""
        func append(_ name: String) { path += path.isEmpty ? name : "." + name }
        for frame in frames {
            if !frame.isMapping {
                path += "[\(frame.itemCount)]"
            } else if let pending = frame.pendingKeyText {
                append(pending)
            }
        }
        if let key { append(key) }
        return path
    }
}

/// Hard bounds a document must stay within, checked while it is read, before any consumer
/// walks it: the text's size, nesting depth (including what aliases reach) and the number of
/// nodes once every alias is expanded.
public struct DocumentLimits: Sendable, Hashable {
    /// The largest text accepted, in bytes. Default 16 MiB.
    public var maxBytes: Int
    /// The deepest nesting accepted, counting through aliases. Default 64.
    public var maxDepth: Int
    /// The most nodes accepted with every alias expanded. Default 2,000,000.
    public var maxNodes: Int

    /// Creates limits.
    public init(maxBytes: Int = 16 << 20, maxDepth: Int = 64, maxNodes: Int = 2_000_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// The defaults.
    public static let `default` = DocumentLimits()
}
