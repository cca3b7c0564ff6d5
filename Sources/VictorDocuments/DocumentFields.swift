/// Reads typed values out of a document's nodes, collecting every problem with its location
/// instead of stopping at the first: configuration readers use it to report all that is wrong
/// with a file at once, as `FILE:LINE:COLUMN: key.path: message`.
public struct DocumentFields: Sendable {
    /// The file the nodes come from.
    public let file: String
    /// The problems found so far, in the order they were found.
    public private(set) var issues: [DocumentIssue] = []

    /// Creates a reader for nodes of `file`.
    public init(file: String) {
        self.file = file
    }

    /// Records a problem at `node`.
    public mutating func fail(_ node: DocumentNode?, _ path: String, _ message: String) {
        issues.append(
            DocumentIssue(.invalidValue, file: file, position: node?.position, keyPath: path, message: message)
        )
    }

    /// `path.key`, or `key` at the root.
    public static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The entries of a mapping, keyed by name; an unknown key (when `allowed` is given) is a
    /// problem naming the keys that are allowed. `nil`, and a problem, when `node` is not a mapping.
    public mutating func mapping(
        _ node: DocumentNode,
        _ path: String,
        allowed: Set<String>? = nil
    ) -> [String: DocumentNode]? {
        guard case .mapping(let entries) = node.content else {
            fail(node, path, "expected a mapping, found \(node.kindDescription)")
            return nil
        }
        var result: [String: DocumentNode] = [:]
        for entry in entries {
            if let allowed, !allowed.contains(entry.key) {
                issues.append(
                    DocumentIssue(
                        .invalidValue,
                        file: file,
                        position: entry.keyPosition,
                        keyPath: Self.join(path, entry.key),
                        message: "unknown key; expected one of " + allowed.sorted().joined(separator: ", ")
                    )
                )
                continue
            }
            result[entry.key] = entry.value
        }
        return result
    }

    /// The items of a list; `nil`, and a problem, when `node` is not a list.
    public mutating func list(_ node: DocumentNode, _ path: String) -> [DocumentNode]? {
        guard case .sequence(let items) = node.content else {
            fail(node, path, "expected a list, found \(node.kindDescription)")
            return nil
        }
        return items
    }

    /// A string; `nil`, and a problem, for anything else or an empty string.
    public mutating func string(_ node: DocumentNode, _ path: String) -> String? {
        guard case .scalar(.string(let text)) = node.content else {
            fail(node, path, "expected a string, found \(node.kindDescription)")
            return nil
        }
        guard !text.isEmpty else {
            fail(node, path, "must not be empty")
            return nil
        }
        return text
    }

    /// A list of strings.
    public mutating func strings(_ node: DocumentNode, _ path: String) -> [String]? {
        guard let items = list(node, path) else { return nil }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = string(item, "\(path)[\(index)]") else { return nil }
            result.append(text)
        }
        return result
    }

    /// A boolean.
    public mutating func bool(_ node: DocumentNode, _ path: String) -> Bool? {
        guard case .scalar(.boolean(let value)) = node.content else {
            fail(node, path, "expected true or false, found \(node.kindDescription)")
            return nil
        }
        return value
    }

    /// An integer within `range`.
    public mutating func integer(_ node: DocumentNode, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(.integer(let value)) = node.content else {
            fail(node, path, "expected an integer, found \(node.kindDescription)")
            return nil
        }
        guard range.contains(value) else {
            fail(node, path, "must be between \(range.lowerBound) and \(range.upperBound), is \(value)")
            return nil
        }
        return value
    }
}
