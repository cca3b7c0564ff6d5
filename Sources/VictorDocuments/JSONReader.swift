extension DocumentReader {
    /// Reads `bytes` as one JSON text (RFC 8259) into the tree ``read(bytes:file:)`` makes of the
    /// same text, under the same rules — UTF-8 without forbidden characters, keys and strings in
    /// NFC, no duplicate keys, 64-bit integers, finite numbers, ``limits`` — without the YAML
    /// parser, for request bodies and JSON Lines.
    ///
    /// It accepts JSON's grammar and nothing more, where the YAML reader also takes YAML's
    /// spellings of it: a trailing comma, an escape JSON lacks (`\x41`, `\e`), a leading `+`, `.5`
    /// or `01`, and a tab or a line break inside a string are errors here.
    /// - Returns: the root node, or `nil` when the text holds only whitespace.
    /// - Throws: every problem found, in document order; the first syntax error ends the reading.
    /// - Complexity: O(n) in the length of the text.
    public func readJSON(bytes: [UInt8], file: String) throws(DocumentError) -> DocumentNode? {
        try tape(bytes: bytes, file: file, positions: true).map(DocumentNode.init(tape:))
    }

    /// Reads `bytes` as ``readJSON(bytes:file:)`` does, under the same rules and with the same
    /// errors, into a ``JSONTape``: the values in document order, for a consumer that builds its
    /// own values and needs no node objects or positions.
    /// - Returns: the tape, or `nil` when the text holds only whitespace.
    /// - Throws: every problem found, in document order; the first syntax error ends the reading.
    /// - Complexity: O(n) in the length of the text.
    public func readJSONTape(bytes: [UInt8], file: String) throws(DocumentError) -> JSONTape? {
        try tape(bytes: bytes, file: file, positions: false)
    }

    /// The tape of `bytes`, with every entry's position when `positions` (for the tree).
    private func tape(bytes: [UInt8], file: String, positions: Bool) throws(DocumentError) -> JSONTape? {
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
        var composer = JSONComposer(bytes: bytes, file: file, limits: limits, recordsPositions: positions)
        // Every `Fatal` records its issue first, so a failed reading always throws below.
        let read = (try? composer.compose()) ?? false
        if !composer.issues.isEmpty { throw DocumentError.inDocumentOrder(composer.issues) }
        return read
            ? JSONTape(
                entries: composer.entries,
                containerDepth: composer.containerDepth,
                positions: composer.positions
            )
            : nil
    }
}

/// The values of one JSON text in document order, as ``DocumentReader/readJSONTape(bytes:file:)``
/// reads them: each list or mapping comes before its contents, and each member of a mapping is
/// its key followed by its value. Everything the reader checks has been checked: keys are
/// distinct, text is NFC, numbers are typed and finite.
///
/// ```swift
/// // {"a": [1, true]}
/// [.mapping(count: 1), .key("a"), .sequence(count: 2), .scalar(.integer(1), isPlain: true),
///  .scalar(.boolean(true), isPlain: true)]
/// ```
public struct JSONTape: Sendable {
    /// One value, or a mapping's key.
    public enum Entry: Sendable, Hashable {
        /// A mapping of `count` members, each a ``key(_:)`` and then its value.
        case mapping(count: Int)
        /// A list of `count` values.
        case sequence(count: Int)
        /// The key of the member whose value comes next.
        case key(String)
        /// A scalar, typed; `isPlain` when it was written unquoted (a number, `true`, `false`,
        /// `null`).
        case scalar(ScalarValue, isPlain: Bool)
    }

    /// The entries, the root value's first.
    public let entries: [Entry]

    /// How deep lists and mappings nest: 0 for a scalar, 1 for a list of scalars. The reader's
    /// depth limit counts a scalar as a level of its own; this counts brackets only, for a limit
    /// stated in brackets (a server's request bodies).
    public let containerDepth: Int

    /// The index just past the value that starts at `index` (a value's first entry, never a
    /// key): its last entry's successor.
    /// - Complexity: O(entries of the value).
    public func end(ofValueAt index: Int) -> Int {
        var index = index
        var pending = 1
        while pending > 0 {
            switch entries[index] {
            case .mapping(let count): pending += 2 * count
            case .sequence(let count): pending += count
            case .key, .scalar: break
            }
            pending -= 1
            index += 1
        }
        return index
    }

    /// Where each entry starts, for the document tree; empty on a tape read without positions.
    let positions: [DocumentPosition]
}

extension DocumentNode {
    /// The tree of `tape`, built with an explicit stack (never recursion), as the composers build
    /// theirs.
    convenience init(tape: JSONTape) {
        precondition(tape.positions.count == tape.entries.count, "a tape read without positions")
        struct Open {
            let isMapping: Bool
            let position: DocumentPosition
            var remaining: Int
            var items: [DocumentNode] = []
            var entries: [(key: String, keyPosition: DocumentPosition, value: DocumentNode)] = []
            var key: (text: String, position: DocumentPosition)?
        }
        var stack: [Open] = []
        var index = 0
        while true {
            let position = tape.positions[index]
            var completed: DocumentNode
            switch tape.entries[index] {
            case .mapping(let count):
                index += 1
                guard count == 0 else {
                    stack.append(Open(isMapping: true, position: position, remaining: count))
                    continue
                }
                completed = DocumentNode(.mapping([]), at: position)
            case .sequence(let count):
                index += 1
                guard count == 0 else {
                    stack.append(Open(isMapping: false, position: position, remaining: count))
                    continue
                }
                completed = DocumentNode(.sequence([]), at: position)
            case .key(let text):
                stack[stack.count - 1].key = (text, position)
                index += 1
                continue
            case .scalar(let value, let isPlain):
                index += 1
                completed = DocumentNode(.scalar(value), at: position, isPlain: isPlain)
            }
            // Attach the finished node; close every list and mapping it completes.
            while true {
                guard !stack.isEmpty else {
                    self.init(completed.content, at: completed.position, isPlain: completed.isPlain)
                    return
                }
                let top = stack.count - 1
                if stack[top].isMapping, let key = stack[top].key {
                    stack[top].entries.append((key.text, key.position, completed))
                    stack[top].key = nil
                } else {
                    stack[top].items.append(completed)
                }
                stack[top].remaining -= 1
                guard stack[top].remaining == 0 else { break }
                let frame = stack.removeLast()
                completed = DocumentNode(
                    frame.isMapping ? .mapping(frame.entries) : .sequence(frame.items),
                    at: frame.position
                )
            }
        }
    }
}

/// JSON's grammar read with an explicit stack (never recursion) into a ``JSONTape``, checked as
/// the YAML composer checks its nodes: the same node counts, depth checks, key paths and issue
/// wording where the two meet.
private struct JSONComposer {
    let bytes: [UInt8]
    let file: String
    let limits: DocumentLimits
    var index = 0
    var line = 1
    var lineStart = 0
    /// The last column computed on this line, so positions cost O(n) for the whole text.
    var columnCache = (line: 0, offset: 0, column: 1)
    var issues: [DocumentIssue] = []
    var expanded = 0
    /// The tape, and where each of its entries starts when positions are recorded. A value's
    /// position is otherwise computed only for an issue about it, which is raised while the
    /// reading is still on the value's line (no JSON value but a container spans lines).
    var entries: [JSONTape.Entry] = []
    var positions: [DocumentPosition] = []
    let recordsPositions: Bool
    /// The keys of every mapping open now, with their lines, outermost first: each frame's start
    /// at its ``Frame/firstKey``, so the top mapping's keys are the last ones.
    var openKeys: [(text: String, line: Int)] = []

    struct Frame: KeyPathFrame {
        let isMapping: Bool
        /// Where the frame opened: its line, the line's first byte and the bracket's byte.
        let line: Int
        let lineStart: Int
        let offset: Int
        /// The index of the frame's own entry in the tape, whose count is written on closing.
        let entry: Int
        /// Where this mapping's keys start in ``JSONComposer/openKeys``.
        let firstKey: Int
        /// Values read so far.
        var count = 0
        var pendingKey: String?
        var itemCount: Int { count }
        var pendingKeyText: String? { pendingKey }
        /// Keys seen, by their line; built once a mapping outgrows a scan of its keys.
        var seen: [String: Int] = [:]
        static let scanLimit = 16
    }
    var stack: [Frame] = []
    /// The most frames ever open at once.
    var containerDepth = 0

    struct Fatal: Error {}

    init(bytes: [UInt8], file: String, limits: DocumentLimits, recordsPositions: Bool) {
        self.bytes = bytes
        self.file = file
        self.limits = limits
        self.recordsPositions = recordsPositions
        // A byte-order mark may open the text (the text scan refuses one anywhere else); it
        // counts as the first column, as the text scan and the YAML reader count it.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    /// Reads the text onto the tape; `false` when it holds only whitespace.
    mutating func compose() throws(Fatal) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { return false }
        while true {
            // A value is expected here.
            skipWhitespace()
            guard index < bytes.count else { throw syntax(index, "the text ends where a value is expected") }
            let start = index
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isMapping = bytes[index] == UInt8(ascii: "{")
                try open(at: start)
                stack.append(
                    Frame(
                        isMapping: isMapping,
                        line: line,
                        lineStart: lineStart,
                        offset: start,
                        entry: entries.count,
                        firstKey: openKeys.count
                    )
                )
                if stack.count > containerDepth { containerDepth = stack.count }
                append(isMapping ? .mapping(count: 0) : .sequence(count: 0), at: start)
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == (isMapping ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    index += 1
                    close()
                } else {
                    if isMapping { try key() }
                    continue
                }
            case UInt8(ascii: "\""):
                let raw = try string()
                if raw.escaped { checkForbidden(raw.text, at: start) }
                try open(at: start)
                append(.scalar(.string(ExactText.normalized(raw.text)), isPlain: false), at: start)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let text = try number()
                try open(at: start)
                append(.scalar(typed(text, at: start), isPlain: true), at: start)
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                let value = try literal()
                try open(at: start)
                append(.scalar(value, isPlain: true), at: start)
            default:
                throw syntax(index, "expected a value, found \(shown(index))")
            }
            // Count the finished value; close every list and mapping its closing brackets end.
            while true {
                guard !stack.isEmpty else {
                    skipWhitespace()
                    guard index == bytes.count else { throw syntax(index, "text after the JSON value") }
                    return true
                }
                let top = stack.count - 1
                stack[top].count += 1
                stack[top].pendingKey = nil
                skipWhitespace()
                let closing = stack[top].isMapping ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard index < bytes.count else {
                    throw syntax(
                        index,
                        "the text ends inside the \(stack[top].isMapping ? "mapping" : "list") opened at "
                            + "\(position(of: stack[top]))"
                    )
                }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    if stack[top].isMapping { try key() }
                    break
                }
                guard bytes[index] == closing else {
                    throw syntax(
                        index,
                        "expected ',' or '\(Character(Unicode.Scalar(closing)))', found \(shown(index))"
                    )
                }
                index += 1
                close()
            }
        }
    }

    mutating func append(_ entry: JSONTape.Entry, at offset: Int) {
        entries.append(entry)
        if recordsPositions { positions.append(position(at: offset)) }
    }

    /// Reads a mapping's key and its colon.
    mutating func key() throws(Fatal) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw syntax(index, "expected a key in double quotes, found \(shown(index))")
        }
        let start = index
        let raw = try string()
        if raw.escaped { checkForbidden(raw.text, at: start) }
        let key = ExactText.normalized(raw.text)
        if let firstLine = firstLine(of: key) {
            issues.append(
                issue(
                    .duplicateKey,
                    position(at: start),
                    "duplicate key \(ExactText.quotedForDisplay(key)) (first at line \(firstLine))",
                    key: key
                )
            )
        }
        openKeys.append((key, line))
        stack[stack.count - 1].pendingKey = key
        append(.key(key), at: start)
        try count(at: start)
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw syntax(index, "expected ':' after the key, found \(shown(index))")
        }
        index += 1
    }

    /// The line where `key` was first seen in the top mapping, if it was.
    /// - Complexity: O(1) amortized; a scan of at most ``Frame/scanLimit`` keys before that.
    mutating func firstLine(of key: String) -> Int? {
        let top = stack.count - 1
        let first = stack[top].firstKey
        if openKeys.count - first < Frame.scanLimit {
            for index in first..<openKeys.count where openKeys[index].text == key { return openKeys[index].line }
            return nil
        }
        if stack[top].seen.isEmpty {
            for index in first..<openKeys.count where stack[top].seen[openKeys[index].text] == nil {
                stack[top].seen[openKeys[index].text] = openKeys[index].line
            }
        } else if let last = openKeys.last, stack[top].seen[last.text] == nil {
            stack[top].seen[last.text] = last.line
        }
        return stack[top].seen[key]
    }

    /// Ends the top list or mapping: its entry in the tape gets its count.
    mutating func close() {
        let frame = stack.removeLast()
        if frame.isMapping {
            entries[frame.entry] = .mapping(count: frame.count)
            openKeys.removeLast(openKeys.count - frame.firstKey)
        } else {
            entries[frame.entry] = .sequence(count: frame.count)
        }
    }

    /// Counts a new node starting at byte `offset` and checks the depth it would sit at, as the
    /// YAML composer does.
    mutating func open(at offset: Int) throws(Fatal) {
        try count(at: offset)
        if stack.count + 1 > limits.maxDepth {
            issues.append(issue(.limit, position(at: offset), "nesting deeper than \(limits.maxDepth) levels"))
            throw Fatal()
        }
    }

    mutating func count(at offset: Int) throws(Fatal) {
        expanded += 1
        if expanded > limits.maxNodes {
            issues.append(
                issue(.limit, position(at: offset), "the document expands to more than \(limits.maxNodes) nodes")
            )
            throw Fatal()
        }
    }

    // MARK: Scalars

    /// The string literal at `index` with its escapes decoded, and whether it had any (only an
    /// escape can spell a character the text scan has not already cleared); `index` moves past it.
    mutating func string() throws(Fatal) -> (text: String, escaped: Bool) {
        let opening = index
        var cursor = index + 1
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            cursor += 1
        }
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") {
            index = cursor + 1
            return (String(decoding: bytes[(opening + 1)..<cursor], as: UTF8.self), false)
        }
        var decoded = Array(bytes[(opening + 1)..<cursor])
        while true {
            guard cursor < bytes.count else {
                throw syntax(cursor, "the string opened at \(position(at: opening)) is not closed")
            }
            let byte = bytes[cursor]
            switch byte {
            case UInt8(ascii: "\""):
                index = cursor + 1
                return (String(decoding: decoded, as: UTF8.self), true)
            case UInt8(ascii: "\\"):
                guard cursor + 1 < bytes.count else {
                    throw syntax(cursor, "the string opened at \(position(at: opening)) is not closed")
                }
                let escape = bytes[cursor + 1]
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try unicodeEscape(at: cursor)
                    decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
                    cursor += scalar.value > 0xFFFF ? 12 : 6
                    continue
                default:
                    throw syntax(cursor, "\\\(shown(cursor + 1, quoted: false)) is not a JSON escape")
                }
                cursor += 2
            case 0..<0x20:
                throw syntax(
                    cursor,
                    "\(ExactText.codePoint(Unicode.Scalar(byte))) must be escaped inside a JSON string"
                )
            default:
                decoded.append(byte)
                cursor += 1
            }
        }
    }

    /// The scalar a `\uXXXX` escape at `at` spells, reading a second escape for a surrogate pair.
    mutating func unicodeEscape(at start: Int) throws(Fatal) -> Unicode.Scalar {
        func unit(_ at: Int) throws(Fatal) -> UInt32 {
            guard at + 6 <= bytes.count else { throw syntax(at, "\\u must be followed by four hex digits") }
            var value: UInt32 = 0
            for offset in 2..<6 {
                let byte = bytes[at + offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw syntax(at, "\\u must be followed by four hex digits")
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        let first = try unit(start)
        switch first {
        case 0xD800...0xDBFF:
            let next = start + 6
            guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u")
            else { throw syntax(start, "a high surrogate escape must be followed by a low surrogate escape") }
            let second = try unit(next)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw syntax(next, "a high surrogate escape must be followed by a low surrogate escape")
            }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
        case 0xDC00...0xDFFF:
            throw syntax(start, "a low surrogate escape must follow a high surrogate escape")
        default:
            return Unicode.Scalar(first)!
        }
    }

    /// The number literal at `index` by JSON's grammar; `index` moves past it.
    mutating func number() throws(Fatal) -> String {
        let start = index
        var cursor = index
        func digits() -> Int {
            let first = cursor
            while cursor < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[cursor]) { cursor += 1 }
            return cursor - first
        }
        if bytes[cursor] == UInt8(ascii: "-") { cursor += 1 }
        let integerStart = cursor
        guard digits() > 0 else { throw syntax(cursor, "'-' must be followed by a digit") }
        if bytes[integerStart] == UInt8(ascii: "0"), cursor - integerStart > 1 {
            throw syntax(integerStart, "a number cannot start with 0 followed by more digits")
        }
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ".") {
            cursor += 1
            guard digits() > 0 else { throw syntax(cursor, "a '.' in a number must be followed by a digit") }
        }
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "e") || bytes[cursor] == UInt8(ascii: "E") {
            cursor += 1
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "+") || bytes[cursor] == UInt8(ascii: "-") {
                cursor += 1
            }
            guard digits() > 0 else { throw syntax(cursor, "an exponent must have a digit") }
        }
        index = cursor
        return String(decoding: bytes[start..<cursor], as: UTF8.self)
    }

    /// A number's value under the core schema, as the YAML reader types the same plain scalar.
    mutating func typed(_ text: String, at offset: Int) -> ScalarValue {
        switch ScalarValue.resolve(plain: text) {
        case .success(let value): return value
        case .failure(let problem):
            issues.append(issue(.invalidValue, position(at: offset), problem.message))
            return .string(text)
        }
    }

    /// `true`, `false` or `null` at `index`; `index` moves past it.
    mutating func literal() throws(Fatal) -> ScalarValue {
        for (word, value) in [("true", ScalarValue.boolean(true)), ("false", .boolean(false)), ("null", .null)] {
            let spelled = Array(word.utf8)
            if bytes.count - index >= spelled.count, bytes[index..<(index + spelled.count)].elementsEqual(spelled) {
                index += spelled.count
                return value
            }
        }
        throw syntax(index, "expected a value, found \(shown(index))")
    }

    mutating func checkForbidden(_ raw: String, at start: Int) {
        guard let (offset, scalar) = ExactText.firstForbidden(in: raw) else { return }
        issues.append(
            issue(
                .forbiddenCharacter,
                position(at: start),
                "contains the forbidden character \(ExactText.codePoint(scalar)) at character \(offset + 1)"
            )
        )
    }

    // MARK: Positions and issues

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09:
                index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            case 0x0D:
                index += 1
                if index < bytes.count, bytes[index] == 0x0A { index += 1 }
                line += 1
                lineStart = index
            default:
                return
            }
        }
    }

    /// The line and column (in Unicode scalars, as the text scan counts them) of byte `offset`
    /// on the current line.
    mutating func position(at offset: Int) -> DocumentPosition {
        if columnCache.line != line || columnCache.offset > offset || columnCache.offset < lineStart {
            columnCache = (line, lineStart, 1)
        }
        var cursor = columnCache.offset
        var column = columnCache.column
        while cursor < offset && cursor < bytes.count {
            if bytes[cursor] & 0xC0 != 0x80 { column += 1 }
            cursor += 1
        }
        columnCache = (line, cursor, column)
        return DocumentPosition(line: line, column: column)
    }

    /// Where `frame` opened, though the reading may have left its line since.
    func position(of frame: Frame) -> DocumentPosition {
        var column = 1
        for cursor in frame.lineStart..<frame.offset where bytes[cursor] & 0xC0 != 0x80 { column += 1 }
        return DocumentPosition(line: frame.line, column: column)
    }

    /// What stands at `offset`, for a message: a quoted character or the end of the text.
    func shown(_ offset: Int, quoted: Bool = true) -> String {
        guard offset < bytes.count else { return "the end of the text" }
        var end = offset + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        return quoted ? ExactText.quotedForDisplay(text) : text
    }

    /// Records a syntax error at byte `offset` and returns the error that ends the reading.
    mutating func syntax(_ offset: Int, _ message: String) -> Fatal {
        issues.append(issue(.syntax, position(at: offset), message))
        return Fatal()
    }

    func issue(
        _ code: DocumentIssue.Code,
        _ position: DocumentPosition?,
        _ message: String,
        key: String? = nil
    ) -> DocumentIssue {
        DocumentIssue(code, file: file, position: position, keyPath: currentPath(key: key), message: message)
    }

    /// The key path of the node being read now, such as `requests[3].resource`.
    func currentPath(key: String? = nil) -> String { Frame.keyPath(stack, key: key) }
}
