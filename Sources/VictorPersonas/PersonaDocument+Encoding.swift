import Foundation
import Yams

/// A format-neutral value tree, written as YAML or JSON with keys in a fixed order.
indirect enum ExportValue {
    case string(String)
    case int(Int)
    case double(Double)
    case null
    case list([ExportValue])
    case map([(String, ExportValue)])

    var yamlNode: Node {
        switch self {
        case .string(let text):
            // Quote a string that would otherwise read back as a number, boolean, null or timestamp.
            let plain = Node(text)
            let needsQuotes = plain.tag.rawValue != Tag.Name.str.rawValue
            return Node(text, Tag(.str), needsQuotes ? .doubleQuoted : .any)
        case .int(let value): return Node(String(value), Tag(.int))
        case .double(let value): return Node(String(value), Tag(.float))
        case .null: return Node("null", Tag(.null))
        case .list(let items): return Node(items.map(\.yamlNode))
        case .map(let pairs): return Node(pairs.map { (ExportValue.string($0.0).yamlNode, $0.1.yamlNode) })
        }
    }

    func json(indent: String = "", into out: inout String) {
        switch self {
        case .string(let text): ExportValue.jsonString(text, into: &out)
        case .int(let value): out += String(value)
        case .double(let value): out += String(value)
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

    static func jsonString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension PersonaDocument {
    /// Encodes personas as a `personas:` mapping from id to persona, keys in Victor's order and
    /// tool sets sorted, so that decoding the text gives equal personas.
    /// - Throws: ``PersonaError/Code/io`` when the YAML emitter fails.
    public static func encode(_ personas: [Persona], as format: PersonaFormat) throws(PersonaError) -> String {
        let document = ExportValue.map([("personas", .map(personas.map { ($0.id, exportValue($0)) }))])
        switch format {
        case .json:
            var out = ""
            document.json(into: &out)
            return out + "\n"
        case .yaml:
            do {
                return try Yams.serialize(node: document.yamlNode, width: -1, allowUnicode: true)
            } catch {
                throw PersonaError(.io, "cannot write YAML", cause: error)
            }
        }
    }

    /// Encodes one persona as a single-persona document (the form the directory store writes).
    static func encodeSingle(_ persona: Persona, as format: PersonaFormat) throws(PersonaError) -> String {
        let value = exportValue(persona)
        switch format {
        case .json:
            var out = ""
            value.json(into: &out)
            return out + "\n"
        case .yaml:
            do {
                return try Yams.serialize(node: value.yamlNode, width: -1, allowUnicode: true)
            } catch {
                throw PersonaError(.io, "cannot write YAML", personaID: persona.id, cause: error)
            }
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
                .map([
                    ("max_tool_calls", constraints.maxToolCalls.map(ExportValue.int) ?? .null),
                    ("preferred_tools", .list(constraints.preferredTools.sorted().map(ExportValue.string))),
                    ("forbidden_tools", .list(constraints.forbiddenTools.sorted().map(ExportValue.string))),
                    ("response_length", .string(constraints.responseLength.rawValue)),
                    ("explanation_depth", .string(constraints.explanationDepth.rawValue)),
                ])
            ),
            ("prompt_templates", templates),
            ("temperature", persona.temperature.map(ExportValue.double) ?? .null),
            ("created_at", .string(PersonaTimestamp.format(persona.createdAt))),
            ("updated_at", .string(PersonaTimestamp.format(persona.updatedAt))),
            ("version", .int(persona.version)),
        ])
    }
}
