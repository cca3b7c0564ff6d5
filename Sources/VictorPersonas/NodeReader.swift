import Foundation
import OrderedCollections
import Yams

/// Reads a composed YAML (or JSON) node tree strictly: every type, key and value is checked, and
/// every failure names the file, line, column and key path.
struct NodeReader {
    let file: String

    typealias Entries = OrderedDictionary<String, (key: Node, value: Node)>

    /// Parses `text` into its root node; an empty document is an error.
    func root(_ text: String) throws(PersonaError) -> Node {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error)
        } catch {
            throw PersonaError(.syntax, "\(error)", file: file)
        }
        guard let node else { throw PersonaError(.syntax, "the document is empty", file: file, line: 1) }
        return node
    }

    func syntaxError(_ error: YamlError) -> PersonaError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return PersonaError(.syntax, "syntax error: \(problem)", file: file, line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PersonaError(
                .duplicateKey,
                "the key '\(duplicates.joined(separator: "', '"))' appears twice in one mapping",
                file: file,
                line: context.mark.line,
                column: context.mark.column,
                keyPath: duplicates.first
            )
        case .reader(let problem, _, _, _):
            return PersonaError(.syntax, "unreadable text: \(problem)", file: file)
        default:
            return PersonaError(.syntax, "\(error)", file: file)
        }
    }

    func fail(_ code: PersonaError.Code, _ message: String, _ node: Node?, _ path: String) -> PersonaError {
        PersonaError(code, message, file: file, line: node?.mark?.line, column: node?.mark?.column, keyPath: path)
    }

    /// A readable name for the node's type: `string`, `integer`, `list`, `mapping`…
    func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            switch node.tag.rawValue {
            case Tag.Name.str.rawValue: return "a string"
            case Tag.Name.int.rawValue: return "an integer"
            case Tag.Name.float.rawValue: return "a number"
            case Tag.Name.bool.rawValue: return "a boolean"
            case Tag.Name.null.rawValue: return "null"
            case Tag.Name.timestamp.rawValue: return "a timestamp"
            default: return "a \(node.tag.rawValue) value"
            }
        }
    }

    func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return node.tag.rawValue == Tag.Name.null.rawValue }
        return false
    }

    func wrongType(_ node: Node, _ path: String, expected: String) -> PersonaError {
        let found: String
        if case .scalar(let scalar) = node, !isNull(node) {
            found = "\(kind(node)) ('\(scalar.string)')"
        } else {
            found = kind(node)
        }
        return fail(.wrongType, "expected \(expected), found \(found)", node, path)
    }

    /// The entries of a mapping whose keys are all strings, in document order; rejects unknown and
    /// duplicate keys.
    func entries(_ node: Node, _ path: String, allowed: Set<String>? = nil) throws(PersonaError) -> Entries {
        guard case .mapping(let mapping) = node else { throw wrongType(node, path, expected: "a mapping") }
        var result = Entries()
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode, keyNode.tag.rawValue != Tag.Name.null.rawValue else {
                throw fail(.wrongType, "a key must be a string, found \(kind(keyNode))", keyNode, path)
            }
            let key = scalar.string
            let keyPath = join(path, key)
            if let allowed, !allowed.contains(key) {
                throw fail(
                    .unknownKey,
                    "unknown key '\(key)' (allowed: \(allowed.sorted().joined(separator: ", ")))",
                    keyNode,
                    keyPath
                )
            }
            guard result[key] == nil else {
                throw fail(.duplicateKey, "the key '\(key)' appears twice", keyNode, keyPath)
            }
            result[key] = (keyNode, value)
        }
        return result
    }

    func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func required(_ entries: Entries, _ key: String, in node: Node, _ path: String) throws(PersonaError) -> Node {
        guard let entry = entries[key] else {
            throw fail(.missingKey, "the required key '\(key)' is missing", node, join(path, key))
        }
        return entry.value
    }

    func string(_ node: Node, _ path: String) throws(PersonaError) -> String {
        guard case .scalar(let scalar) = node, node.tag.rawValue == Tag.Name.str.rawValue else {
            throw wrongType(node, path, expected: "a string")
        }
        return scalar.string
    }

    func optionalString(_ node: Node?, _ path: String) throws(PersonaError) -> String? {
        guard let node, !isNull(node) else { return nil }
        return try string(node, path)
    }

    func int(_ node: Node, _ path: String) throws(PersonaError) -> Int {
        guard node.tag.rawValue == Tag.Name.int.rawValue, let value = node.int else {
            throw wrongType(node, path, expected: "an integer")
        }
        return value
    }

    func double(_ node: Node, _ path: String) throws(PersonaError) -> Double {
        let tag = node.tag.rawValue
        if tag == Tag.Name.int.rawValue, let value = node.int { return Double(value) }
        guard tag == Tag.Name.float.rawValue, let value = node.float else {
            throw wrongType(node, path, expected: "a number")
        }
        return value
    }

    /// A list of strings; a single string is an error, never a list of its characters.
    func stringList(_ node: Node, _ path: String) throws(PersonaError) -> [String] {
        guard case .sequence(let sequence) = node else { throw wrongType(node, path, expected: "a list of strings") }
        var result: [String] = []
        for (index, item) in sequence.enumerated() {
            result.append(try string(item, "\(path)[\(index)]"))
        }
        return result
    }

    func enumeration<E: RawRepresentable & CaseIterable>(
        _ node: Node,
        _ path: String,
        as type: E.Type = E.self
    ) throws(PersonaError) -> E where E.RawValue == String {
        let text = try string(node, path)
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail(.unknownValue, "unknown value '\(text)' (allowed: \(allowed))", node, path)
        }
        return value
    }

    func timestamp(_ node: Node, _ path: String) throws(PersonaError) -> Date {
        let tag = node.tag.rawValue
        guard case .scalar(let scalar) = node, tag == Tag.Name.str.rawValue || tag == Tag.Name.timestamp.rawValue
        else { throw wrongType(node, path, expected: "an ISO 8601 timestamp") }
        guard let date = PersonaTimestamp.parse(scalar.string) else {
            throw fail(.invalidValue, "'\(scalar.string)' is not an ISO 8601 timestamp", node, path)
        }
        return date
    }
}
