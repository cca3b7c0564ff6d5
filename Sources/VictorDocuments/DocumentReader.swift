internal import CYaml
import Foundation

/// The one strict reader of every document the project reads: personas, adaptation rules,
/// authorization configurations and test cases, request bodies.
///
/// It reads YAML 1.2 (and so JSON) into ``DocumentNode`` trees, typing scalars under the core
/// schema (``ScalarValue``), and refuses, with the file, line and column:
/// - text that is not UTF-8, or holds NUL, other control characters, DEL, C1 controls, the line
///   and paragraph separators, a byte-order mark after the start, or noncharacters — in the
///   text or produced by an escape in a quoted scalar;
/// - more than one document; aliases used as mapping keys; non-scalar or null keys; two keys of
///   one mapping that are equal after NFC normalization;
/// - unsupported tags, integers out of the 64-bit range and non-finite numbers;
/// - anything past its ``DocumentLimits``, checked as the text is parsed, before a tree exists.
///
/// Nesting is followed with an explicit stack, never recursion, so no input can exhaust the
/// call stack.
public struct DocumentReader: Sendable {
    /// The bounds every document must stay within.
    public var limits: DocumentLimits

    /// Creates a reader.
    public init(limits: DocumentLimits = .default) { self.limits = limits }

    /// Reads the document in `text`.
    /// - Returns: the root node, or `nil` for a document with no content (empty or comments only).
    /// - Throws: every problem found, in document order.
    public func read(_ text: String, file: String) throws(DocumentError) -> DocumentNode? {
        try read(bytes: Array(text.utf8), file: file)
    }

    /// Reads the document in `bytes`, which must be UTF-8.
    public func read(bytes: [UInt8], file: String) throws(DocumentError) -> DocumentNode? {
        guard bytes.count <= limits.maxBytes else {
            throw DocumentError([
                DocumentIssue(
                    .limit,
                    file: file,
                    position: nil,
                    message: "the document is \(bytes.count) bytes; at most \(limits.maxBytes) are accepted"
                )
            ])
        }
        if let issue = TextScan.firstProblem(in: bytes, file: file) { throw DocumentError([issue]) }
        var composer = Composer(file: file, limits: limits)
        return try composer.compose(bytes)
    }

    /// Reads the document in the file at `path`. Regular files, pipes and devices (such as
    /// `/dev/stdin`) are read; a directory or a missing file is a clear error.
    public func read(contentsOf path: String) throws(DocumentError) -> DocumentNode? {
        let bytes = try DocumentFile.bytes(atPath: path, limit: limits.maxBytes)
        return try read(bytes: bytes, file: path)
    }
}

/// Turns libyaml's event stream into nodes, with an explicit stack and the limits checked at
/// every event.
private struct Composer {
    let file: String
    let limits: DocumentLimits
    var issues: [DocumentIssue] = []
    var anchors: [String: DocumentNode] = [:]
    var expanded = 0

    /// A list or mapping being read. Mutated in place on the stack (never copied out and back),
    /// so adding an item is amortized O(1).
    struct Frame: KeyPathFrame {
        let isMapping: Bool
        let position: DocumentPosition
        let anchor: String?
        var items: [DocumentNode] = []
        var entries: [(key: String, keyPosition: DocumentPosition, value: DocumentNode)] = []
        /// For a mapping: the key read, waiting for its value; `nil` at a key position.
        var pendingKey: (text: String, position: DocumentPosition)?
        var itemCount: Int { items.count }
        var pendingKeyText: String? { pendingKey?.text }
        var seen: [String: DocumentPosition] = [:]

        init(isMapping: Bool, position: DocumentPosition, anchor: String?) {
            self.isMapping = isMapping
            self.position = position
            self.anchor = anchor
        }

        /// Whether the next node read is this mapping's key.
        var expectsKey: Bool { isMapping && pendingKey == nil }
    }
    var stack: [Frame] = []
    var root: DocumentNode?

    init(file: String, limits: DocumentLimits) {
        self.file = file
        self.limits = limits
    }

    struct Fatal: Error {}

    mutating func compose(_ bytes: [UInt8]) throws(DocumentError) -> DocumentNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw DocumentError([DocumentIssue(.limit, file: file, position: nil, message: "out of memory")])
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        var documents = 0
        let result: Result<Void, Fatal> = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    fail(parserIssue(parser))
                    return .failure(Fatal())
                }
                defer { yaml_event_delete(&event) }
                let position = DocumentPosition(
                    line: Int(event.start_mark.line) + 1,
                    column: Int(event.start_mark.column) + 1
                )
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return .success(())
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 {
                        fail(issue(.syntax, position, "a file holds one document"))
                        return .failure(Fatal())
                    }
                case YAML_SCALAR_EVENT:
                    do throws(Fatal) { try scalar(event, position) } catch { return .failure(error) }
                case YAML_ALIAS_EVENT:
                    do throws(Fatal) { try alias(event, position) } catch { return .failure(error) }
                case YAML_SEQUENCE_START_EVENT:
                    let start = event.data.sequence_start
                    do throws(Fatal) {
                        try begin(isMapping: false, start.anchor, start.tag, implicit: start.implicit != 0, position)
                    } catch { return .failure(error) }
                case YAML_MAPPING_START_EVENT:
                    let start = event.data.mapping_start
                    do throws(Fatal) {
                        try begin(isMapping: true, start.anchor, start.tag, implicit: start.implicit != 0, position)
                    } catch { return .failure(error) }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    do throws(Fatal) { try close() } catch { return .failure(error) }
                default:
                    break
                }
            }
        }
        if case .failure = result { stack.removeAll() }
        if !issues.isEmpty { throw DocumentError.inDocumentOrder(issues) }
        return root
    }

    mutating func fail(_ issue: DocumentIssue) { issues.append(issue) }

    /// An issue at `position`, with the key path of the node being read (and `key` under it).
    func issue(
        _ code: DocumentIssue.Code,
        _ position: DocumentPosition?,
        _ message: String,
        key: String? = nil
    ) -> DocumentIssue {
        DocumentIssue(code, file: file, position: position, keyPath: currentPath(key: key), message: message)
    }

    /// The key path of the node being read now, such as `roles.admin.permissions[0]`; computed
    /// only for an issue.
    func currentPath(key: String? = nil) -> String { Frame.keyPath(stack, key: key) }

    func text(_ pointer: UnsafeMutablePointer<UInt8>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// Counts a new node and checks the depth it would sit at.
    mutating func open(at position: DocumentPosition) throws(Fatal) {
        try count(1, position)
        if stack.count + 1 > limits.maxDepth {
            fail(issue(.limit, position, "nesting deeper than \(limits.maxDepth) levels"))
            throw Fatal()
        }
    }

    mutating func count(_ nodes: Int, _ position: DocumentPosition) throws(Fatal) {
        expanded += nodes
        if expanded > limits.maxNodes {
            fail(issue(.limit, position, "the document expands to more than \(limits.maxNodes) nodes"))
            throw Fatal()
        }
    }

    /// Starts a list or mapping: counts it, checks its depth and its tag, and pushes its frame.
    mutating func begin(
        isMapping: Bool,
        _ anchor: UnsafeMutablePointer<UInt8>?,
        _ tag: UnsafeMutablePointer<UInt8>?,
        implicit: Bool,
        _ position: DocumentPosition
    ) throws(Fatal) {
        try open(at: position)
        stack.append(Frame(isMapping: isMapping, position: position, anchor: text(anchor)))
        guard !implicit, let tag = text(tag) else { return }
        let expected = isMapping ? "map" : "seq"
        if tag == "!" || tag == "tag:yaml.org,2002:" + expected { return }
        fail(issue(.invalidValue, position, "unsupported tag '\(tag)' on a \(isMapping ? "mapping" : "list")"))
    }

    mutating func scalar(_ event: yaml_event_t, _ position: DocumentPosition) throws(Fatal) {
        let data = event.data.scalar
        let raw = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
        if let (offset, scalar) = ExactText.firstForbidden(in: raw) {
            fail(
                issue(
                    .forbiddenCharacter,
                    position,
                    "contains the forbidden character \(ExactText.codePoint(scalar)) at character \(offset + 1)"
                )
            )
        }
        let tag = text(data.tag)
        let plain = tag == nil && data.style == YAML_PLAIN_SCALAR_STYLE
        let value: ScalarValue
        let resolved: Result<ScalarValue, ScalarValue.Problem>
        if let tag {
            resolved = ScalarValue.resolve(raw, tag: tag)
        } else if plain {
            resolved = ScalarValue.resolve(plain: raw)
        } else {
            resolved = .success(.string(ExactText.normalized(raw)))
        }
        switch resolved {
        case .success(let typed): value = typed
        case .failure(let problem):
            fail(issue(.invalidValue, position, problem.message))
            value = .string(ExactText.normalized(raw))
        }
        // A scalar as a mapping key.
        // (The frame is read in place, never bound to a copy, so its tables stay unshared.)
        if stack.last?.expectsKey == true {
            let key = ExactText.normalized(raw)
            if case .null = value {
                fail(issue(.syntax, position, "a key cannot be null"))
            }
            if let first = stack[stack.count - 1].seen[key] {
                fail(
                    issue(
                        .duplicateKey,
                        position,
                        "duplicate key \(ExactText.quotedForDisplay(key)) (first at line \(first.line))",
                        key: key
                    )
                )
            } else {
                stack[stack.count - 1].seen[key] = position
            }
            stack[stack.count - 1].pendingKey = (key, position)
            try count(1, position)
            return
        }
        try open(at: position)
        let node = DocumentNode(.scalar(value), at: position, isPlain: plain)
        if let anchor = text(data.anchor) { anchors[anchor] = node }
        try add(node, position)
    }

    mutating func alias(_ event: yaml_event_t, _ position: DocumentPosition) throws(Fatal) {
        if stack.last?.expectsKey == true {
            fail(issue(.syntax, position, "an alias cannot be a mapping key"))
            throw Fatal()
        }
        let name = text(event.data.alias.anchor) ?? ""
        guard let node = anchors[name] else {
            fail(issue(.syntax, position, "the alias *\(name) names no anchor defined before it"))
            throw Fatal()
        }
        if stack.count + node.height > limits.maxDepth {
            fail(issue(.limit, position, "the alias *\(name) nests deeper than \(limits.maxDepth) levels"))
            throw Fatal()
        }
        try count(node.expandedSize, position)
        try add(node, position)
    }

    mutating func close() throws(Fatal) {
        guard let frame = stack.popLast() else { return }
        let node =
            frame.isMapping
            ? DocumentNode(.mapping(frame.entries), at: frame.position)
            : DocumentNode(.sequence(frame.items), at: frame.position)
        if let anchor = frame.anchor { anchors[anchor] = node }
        try add(node, node.position)
    }

    /// Adds a finished node to the collection being built, or makes it the root.
    mutating func add(_ node: DocumentNode, _ position: DocumentPosition) throws(Fatal) {
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        guard let pendingKey = stack[top].pendingKey else {
            fail(issue(.syntax, position, "a key must be a plain scalar, not a list or mapping"))
            throw Fatal()
        }
        stack[top].entries.append((pendingKey.text, pendingKey.position, node))
        stack[top].pendingKey = nil
    }

    func parserIssue(_ parser: yaml_parser_t) -> DocumentIssue {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed document"
        if problem.hasPrefix("Maximum nesting level") {
            // libyaml's own bound (1,000 levels), met while scanning ahead of ours.
            return issue(.limit, nil, "nesting deeper than \(limits.maxDepth) levels")
        }
        let context = parser.context.map { String(cString: $0) }
        let mark = parser.problem_mark
        let message = context.map { "syntax error: \(problem) (\($0))" } ?? "syntax error: \(problem)"
        return issue(.syntax, DocumentPosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1), message)
    }
}
