import Foundation
import VictorDocuments

/// A format-neutral value tree, written as YAML or JSON with keys in a fixed order.
///
/// Both writers escape every scalar a reader could fold, strip or reject (controls, DEL, C1
/// controls with NEL, the line and paragraph separators, the byte-order mark, noncharacters), so
/// that whatever the document reader accepts reads back as exactly the same text.
indirect enum ExportValue {
    case string(String)
    case int(Int)
    case double(Double)
    case null
    case list([ExportValue])
    case map([(String, ExportValue)])

    // MARK: YAML

    /// Words a YAML 1.1 reader takes for booleans or null when written plain.
    static let yaml11Words: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]

    /// `text` as a YAML scalar: plain when every YAML reader reads it back as the same string (it
    /// starts with a letter, holds only letters, digits and `_-./@`, and is no YAML 1.1 boolean
    /// word), double-quoted with escapes otherwise.
    static func yamlScalar(_ text: String) -> String {
        let written = DocumentWriter.scalar(text)
        guard written == text, let first = text.unicodeScalars.first, first.properties.isAlphabetic,
            !yaml11Words.contains(text.lowercased())
        else { return DocumentWriter.quoted(text) }
        return text
    }

    /// Whether the value is written on its own lines (a non-empty list or mapping).
    var isBlock: Bool {
        switch self {
        case .list(let items): return !items.isEmpty
        case .map(let pairs): return !pairs.isEmpty
        default: return false
        }
    }

    /// The value written inline: a scalar, `[]` or `{}`.
    var yamlInline: String {
        switch self {
        case .string(let text): return ExportValue.yamlScalar(text)
        case .int(let value): return String(value)
        case .double(let value): return DocumentWriter.format(value)
        case .null: return "null"
        case .list: return "[]"
        case .map: return "{}"
        }
    }

    /// Writes a block list or mapping, each line indented by `indent` spaces.
    func yamlBlock(indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .list(let items):
            for item in items {
                if item.isBlock {
                    out += pad + "-\n"
                    item.yamlBlock(indent: indent + 2, into: &out)
                } else {
                    out += pad + "- " + item.yamlInline + "\n"
                }
            }
        case .map(let pairs):
            for (key, value) in pairs {
                out += pad + ExportValue.yamlScalar(key) + ":"
                if value.isBlock {
                    out += "\n"
                    value.yamlBlock(indent: indent + 2, into: &out)
                } else {
                    out += " " + value.yamlInline + "\n"
                }
            }
        default:
            out += pad + yamlInline + "\n"
        }
    }

    /// The value as a YAML document.
    var yamlDocument: String {
        guard isBlock else { return yamlInline + "\n" }
        var out = ""
        yamlBlock(indent: 0, into: &out)
        return out
    }

    // MARK: JSON

    func json(indent: String = "", into out: inout String) {
        switch self {
        case .string(let text): ExportValue.jsonString(text, into: &out)
        case .int(let value): out += String(value)
        case .double(let value): out += DocumentWriter.format(value)
        case .null: out += "null"
        case .list(let items):
            guard !items.isEmpty else {
                out += "[]"
                return
            }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += indent + "  "
                item.json(indent: indent + "  ", into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .map(let pairs):
            guard !pairs.isEmpty else {
                out += "{}"
                return
            }
            out += "{\n"
            for (index, (key, value)) in pairs.enumerated() {
                out += indent + "  "
                ExportValue.jsonString(key, into: &out)
                out += ": "
                value.json(indent: indent + "  ", into: &out)
                out += index == pairs.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        }
    }

    /// `text` as a JSON string that a YAML reader reads back unchanged (``DocumentWriter/quoted(_:)``).
    static func jsonString(_ text: String, into out: inout String) {
        out += DocumentWriter.quoted(text)
    }
}

extension PersonaDocument {
    /// Encodes personas as a `personas:` mapping from id to persona, keys in Victor's order and
    /// tool sets sorted, so that decoding the text gives equal personas: every string is written
    /// plain only when it cannot read back as anything else, and escaped where a reader would
    /// fold or reject a character.
    /// - Throws: never, today; the signature leaves room for formats that can fail.
    public static func encode(_ personas: [Persona], as format: PersonaFormat) throws(PersonaError) -> String {
        render(.map([("personas", .map(personas.map { ($0.id, exportValue($0)) }))]), as: format)
    }

    /// Encodes one persona as a single-persona document (the form the directory store writes).
    static func encodeSingle(_ persona: Persona, as format: PersonaFormat) -> String {
        render(exportValue(persona), as: format)
    }

    static func render(_ value: ExportValue, as format: PersonaFormat) -> String {
        switch format {
        case .json:
            var out = ""
            value.json(into: &out)
            return out + "\n"
        case .yaml:
            return value.yamlDocument
        }
    }

    static func exportValue(_ persona: Persona) -> ExportValue {
        func optional(_ text: String?) -> ExportValue { text.map(ExportValue.string) ?? .null }
        let constraints = persona.constraints
        var templates = ExportValue.null
        if let t = persona.promptTemplates {
            templates = .map([
                ("system_prompt", optional(t.system)), ("task_prompt", optional(t.task)),
                ("greeting", optional(t.greeting)), ("farewell", optional(t.farewell)),
            ])
        }
        return .map([
            ("id", .string(persona.id)),
            ("name", .string(persona.name)),
            ("description", .string(persona.description)),
            ("personality", .string(persona.personality.rawValue)),
            ("communication_style", .string(persona.communicationStyle.rawValue)),
            ("expertise", .list(persona.expertise.map(ExportValue.string))),
            ("backstory", optional(persona.backstory)),
            (
                "constraints",
                .map(
                    [
                        ("max_tool_calls", constraints.maxToolCalls.map(ExportValue.int) ?? .null),
                        ("preferred_tools", .list(constraints.preferredTools.sorted().map(ExportValue.string))),
                        ("forbidden_tools", .list(constraints.forbiddenTools.sorted().map(ExportValue.string))),
                    ]
                        // Written only when set, so documents without an allow-list read back unchanged.
                        + (constraints.allowedTools.map {
                            [("allowed_tools", .list($0.sorted().map(ExportValue.string)))]
                        }
                            ?? [])
                        + [
                            ("response_length", .string(constraints.responseLength.rawValue)),
                            ("explanation_depth", .string(constraints.explanationDepth.rawValue)),
                        ]
                )
            ),
            ("prompt_templates", templates),
            ("temperature", persona.temperature.map(ExportValue.double) ?? .null),
            ("created_at", .string(PersonaTimestamp.format(persona.createdAt))),
            ("updated_at", .string(PersonaTimestamp.format(persona.updatedAt))),
            ("version", .int(persona.version)),
        ])
    }
}
