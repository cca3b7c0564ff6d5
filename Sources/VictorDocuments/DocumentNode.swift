/// A 1-based position in a document.
public struct DocumentPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, in Unicode scalars.
    public var column: Int

    /// Creates a position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `LINE:COLUMN`.
    public var description: String { "\(line):\(column)" }

    /// Document order.
    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.line, lhs.column) < (rhs.line, rhs.column) }
}

/// A node of a document read by ``DocumentReader``: immutable, with its position, its scalars
/// already typed under the YAML 1.2 core schema and in NFC.
///
/// A node reached through an alias is the anchored node itself (shared, never copied); the
/// reader has already bounded what aliases can expand to.
public final class DocumentNode: Sendable {
    /// What a node holds.
    public enum Content: Sendable {
        /// A scalar and its typed value.
        case scalar(ScalarValue)
        /// A list.
        case sequence([DocumentNode])
        /// A mapping with scalar keys (NFC text), in document order, no two keys equal.
        case mapping([(key: String, keyPosition: DocumentPosition, value: DocumentNode)])
    }

    /// The node's content.
    public let content: Content
    /// Where the node starts.
    public let position: DocumentPosition
    /// Whether the scalar was written plain (unquoted, untagged): only plain scalars are typed.
    public let isPlain: Bool
    /// The node's height: 1 for a scalar, 1 + the tallest child otherwise.
    let height: Int
    /// Nodes in the subtree, counting each alias use as a full copy.
    let expandedSize: Int

    init(_ content: Content, at position: DocumentPosition, isPlain: Bool = false) {
        self.content = content
        self.position = position
        self.isPlain = isPlain
        switch content {
        case .scalar:
            height = 1
            expandedSize = 1
        // Loops, not `map(_:).max()`: an array per node would double what reading allocates.
        case .sequence(let items):
            var tallest = 0
            var size = 1
            for item in items {
                tallest = max(tallest, item.height)
                size = size &+ item.expandedSize
            }
            height = 1 + tallest
            expandedSize = size
        case .mapping(let entries):
            var tallest = 0
            var size = 1
            for entry in entries {
                tallest = max(tallest, entry.value.height)
                size = size &+ 1 &+ entry.value.expandedSize
            }
            height = 1 + tallest
            expandedSize = size
        }
    }

    /// The scalar value, or `nil` for a list or mapping.
    public var scalar: ScalarValue? {
        if case .scalar(let value) = content { return value }
        return nil
    }

    /// Whether the node is a null scalar.
    public var isNull: Bool {
        if case .scalar(.null) = content { return true }
        return false
    }

    /// A readable name for the node's kind and, for a scalar, its value: `a mapping`, `a list`,
    /// `null`, `the string "x"`, `the integer 3`.
    public var kindDescription: String {
        switch content {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(.null): "null"
        case .scalar(let value): "the \(value.kindName) \(value)"
        }
    }
}
