import Foundation
import OrderedCollections
import VictorDocuments

/// Reads a persona document's node tree (from ``DocumentReader``, the one strict reader) into
/// personas and rules: every type, key and value is checked, and every failure names the file,
/// line, column and key path.
struct NodeReader {
    let file: String

    typealias Entries = OrderedDictionary<String, (key: DocumentPosition, value: DocumentNode)>

    /// Parses `text` into its root node; an empty document is an error.
    func root(_ text: String) throws(PersonaError) -> DocumentNode {
        try root(bytes: Array(text.utf8))
    }

    /// Parses UTF-8 `bytes` into their root node; an empty document is an error.
    func root(bytes: [UInt8]) throws(PersonaError) -> DocumentNode {
        let node: DocumentNode?
        do {
            node = try DocumentReader().read(bytes: bytes, file: file)
        } catch {
            throw Self.personaError(error)
        }
        guard let node else {
            throw PersonaError(.syntax, "the document is empty", location: DocumentLocation(file: file, line: 1))
        }
        return node
    }

    /// The first issue of a document error as a persona error, the others counted in its message.
    static func personaError(_ error: DocumentError) -> PersonaError {
        guard let first = error.issues.first else { return PersonaError(.syntax, "unreadable document") }
        let more = error.issues.count - 1
        let suffix = more > 0 ? " (and \(more) more problem\(more == 1 ? "" : "s"))" : ""
        let code: PersonaError.Code =
            switch first.code {
            case .duplicateKey: .duplicateKey
            case .forbiddenCharacter, .invalidValue: .invalidValue
            case .unreadable: .io
            default: .syntax
            }
        return PersonaError(
            code,
            first.message + suffix,
            location: DocumentLocation(
                file: first.file,
                line: first.position?.line,
                column: first.position?.column,
                keyPath: first.keyPath.isEmpty ? nil : first.keyPath
            )
        )
    }

    func fail(_ code: PersonaError.Code, _ message: String, _ node: DocumentNode?, _ path: String) -> PersonaError {
        fail(code, message, at: node?.position, path)
    }

    func fail(
        _ code: PersonaError.Code,
        _ message: String,
        at position: DocumentPosition?,
        _ path: String
    )
        -> PersonaError
    {
        PersonaError(
            code,
            message,
            location: DocumentLocation(file: file, line: position?.line, column: position?.column, keyPath: path)
        )
    }

    /// A readable name for the node's type: `a string`, `an integer`, `a list`, `a mapping`…
    func kind(_ node: DocumentNode) -> String {
        switch node.content {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(.null): "null"
        case .scalar(.string): "a string"
        case .scalar(.integer): "an integer"
        case .scalar(.float): "a number"
        case .scalar(.boolean): "a boolean"
        }
    }

    func isNull(_ node: DocumentNode) -> Bool { node.isNull }

    func wrongType(_ node: DocumentNode, _ path: String, expected: String) -> PersonaError {
        let found: String
        if let scalar = node.scalar, scalar != .null {
            found = "\(kind(node)) (\(scalar))"
        } else {
            found = kind(node)
        }
        return fail(.wrongType, "expected \(expected), found \(found)", node, path)
    }

    /// The entries of a mapping in document order; rejects unknown keys (the reader has already
    /// refused duplicate, null and non-scalar keys).
    func entries(_ node: DocumentNode, _ path: String, allowed: Set<String>? = nil) throws(PersonaError) -> Entries {
        guard case .mapping(let mapping) = node.content else { throw wrongType(node, path, expected: "a mapping") }
        var result = Entries()
        for entry in mapping {
            let keyPath = join(path, entry.key)
            if let allowed, !allowed.contains(entry.key) {
                throw fail(
                    .unknownKey,
                    "unknown key \(quoted(entry.key)) (allowed: \(allowed.sorted().joined(separator: ", ")))",
                    at: entry.keyPosition,
                    keyPath
                )
            }
            result[entry.key] = (entry.keyPosition, entry.value)
        }
        return result
    }

    func quoted(_ text: String) -> String { ExactText.quotedForDisplay(text) }

    func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func required(
        _ entries: Entries,
        _ key: String,
        in node: DocumentNode,
        _ path: String
    ) throws(PersonaError) -> DocumentNode {
        guard let entry = entries[key] else {
            throw fail(.missingKey, "the required key '\(key)' is missing", node, join(path, key))
        }
        return entry.value
    }

    func string(_ node: DocumentNode, _ path: String) throws(PersonaError) -> String {
        guard case .scalar(.string(let text)) = node.content else {
            throw wrongType(node, path, expected: "a string")
        }
        return text
    }

    func optionalString(_ node: DocumentNode?, _ path: String) throws(PersonaError) -> String? {
        guard let node, !isNull(node) else { return nil }
        return try string(node, path)
    }

    func int(_ node: DocumentNode, _ path: String) throws(PersonaError) -> Int {
        guard case .scalar(.integer(let value)) = node.content else {
            throw wrongType(node, path, expected: "an integer")
        }
        return value
    }

    func double(_ node: DocumentNode, _ path: String) throws(PersonaError) -> Double {
        switch node.content {
        case .scalar(.integer(let value)): return Double(value)
        case .scalar(.float(let value)): return value
        default: throw wrongType(node, path, expected: "a number")
        }
    }

    /// A list of strings; a single string is an error, never a list of its characters.
    func stringList(_ node: DocumentNode, _ path: String) throws(PersonaError) -> [String] {
        guard case .sequence(let sequence) = node.content else {
            throw wrongType(node, path, expected: "a list of strings")
        }
        var result: [String] = []
        for (index, item) in sequence.enumerated() {
            result.append(try string(item, "\(path)[\(index)]"))
        }
        return result
    }

    func enumeration<E: RawRepresentable & CaseIterable>(
        _ node: DocumentNode,
        _ path: String,
        as type: E.Type = E.self
    ) throws(PersonaError) -> E where E.RawValue == String {
        let text = try string(node, path)
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail(.unknownValue, "unknown value \(quoted(text)) (allowed: \(allowed))", node, path)
        }
        return value
    }

    func timestamp(_ node: DocumentNode, _ path: String) throws(PersonaError) -> Date {
        let text = try string(node, path)
        guard let date = PersonaTimestamp.parse(text) else {
            throw fail(.invalidValue, "\(quoted(text)) is not an ISO 8601 timestamp", node, path)
        }
        return date
    }
}
