public import Foundation
import OrderedCollections
import VictorDocuments

/// The formats personas are imported from and exported to.
public enum PersonaFormat: String, Sendable, CaseIterable {
    /// YAML, Victor's native persona format.
    case yaml
    /// JSON, with the same keys.
    case json

    /// The format a path's extension names (`.json` is JSON, anything else YAML).
    public init(path: String) {
        self = path.lowercased().hasSuffix(".json") ? .json : .yaml
    }
}

/// Reads and writes documents in Victor's persona format: one persona, a list of personas, or a
/// top-level `personas:` mapping from id to persona (or list), in YAML or JSON.
///
/// Reading is strict: a wrong type, an unknown or duplicate key, an unknown enumeration value or a
/// rule a persona breaks is an error naming the file, line and key path, and a document with any
/// error yields no persona at all.
public enum PersonaDocument {
    static let personaKeys: Set<String> = [
        "id", "name", "description", "personality", "communication_style", "expertise", "backstory",
        "constraints", "prompt_templates", "temperature", "created_at", "updated_at", "version",
    ]
    static let constraintKeys: Set<String> = [
        "max_tool_calls", "preferred_tools", "forbidden_tools", "allowed_tools", "response_length",
        "explanation_depth",
    ]
    static let templateKeys: Set<String> = ["system_prompt", "task_prompt", "greeting", "farewell"]

    /// Decodes every persona of a document.
    /// - Parameters:
    ///   - text: the YAML or JSON text (JSON is read as YAML 1.2 flow style, with the same checks).
    ///   - file: the name errors report.
    ///   - now: the creation time of personas that carry none.
    /// - Throws: the first ``PersonaError`` found; nothing is returned from a document with an error.
    public static func decode(_ text: String, file: String, now: Date = Date()) throws(PersonaError) -> [Persona] {
        let reader = NodeReader(file: file)
        return try decode(try reader.root(text), reader, now: now)
    }

    static func decode(_ root: DocumentNode, _ reader: NodeReader, now: Date) throws(PersonaError) -> [Persona] {
        let file = reader.file
        var personas: [(Persona, DocumentNode)] = []
        switch root.content {
        case .sequence(let list):
            for (index, node) in list.enumerated() {
                personas.append((try decodePersona(node, "[\(index)]", impliedID: nil, reader, now), node))
            }
        case .mapping:
            let entries = try reader.entries(root, "")
            if entries.keys.contains("personas") {
                guard entries.count == 1 else {
                    let other = entries.keys.first { $0 != "personas" }!
                    throw reader.fail(
                        .unknownKey,
                        "unknown key '\(other)' beside 'personas'",
                        at: entries[other]!.key,
                        other
                    )
                }
                let container = entries["personas"]!.value
                switch container.content {
                case .sequence(let list):
                    for (index, node) in list.enumerated() {
                        let persona = try decodePersona(node, "personas[\(index)]", impliedID: nil, reader, now)
                        personas.append((persona, node))
                    }
                case .mapping:
                    for (id, entry) in try reader.entries(container, "personas") {
                        let path = "personas.\(id)"
                        personas.append((try decodePersona(entry.value, path, impliedID: id, reader, now), entry.value))
                    }
                default:
                    throw reader.wrongType(container, "personas", expected: "a mapping from id to persona, or a list")
                }
            } else {
                personas.append((try decodePersona(root, "", impliedID: nil, reader, now), root))
            }
        default:
            throw reader.wrongType(root, "", expected: "a persona, a list of personas or a 'personas' mapping")
        }
        var seen: [String: DocumentNode] = [:]
        for (persona, node) in personas {
            if seen[persona.id] != nil {
                throw PersonaError(
                    .duplicateKey,
                    "the persona id '\(persona.id)' appears twice",
                    location: DocumentLocation(
                        file: file,
                        line: node.position.line,
                        column: node.position.column,
                        keyPath: "id"
                    ),
                    personaID: persona.id
                )
            }
            seen[persona.id] = node
        }
        return personas.map(\.0)
    }

    /// Reads and decodes a file.
    /// - Throws: ``PersonaError/Code/io`` when the file cannot be read, or any decoding error.
    public static func decode(contentsOf path: String, now: Date = Date()) throws(PersonaError) -> [Persona] {
        let reader = NodeReader(file: path)
        let root: DocumentNode?
        do {
            root = try DocumentReader().read(contentsOf: path)
        } catch {
            throw NodeReader.personaError(error)
        }
        guard let root else {
            throw PersonaError(.syntax, "the document is empty", location: DocumentLocation(file: path, line: 1))
        }
        return try decode(root, reader, now: now)
    }

    static func decodePersona(
        _ node: DocumentNode,
        _ path: String,
        impliedID: String?,
        _ reader: NodeReader,
        _ now: Date
    ) throws(PersonaError) -> Persona {
        let entries = try reader.entries(node, path, allowed: personaKeys)
        func key(_ name: String) -> String { reader.join(path, name) }
        let id: String
        if let idNode = entries["id"]?.value {
            id = try reader.string(idNode, key("id"))
            if let impliedID, impliedID != id {
                throw reader.fail(
                    .invalidValue,
                    "the id '\(id)' differs from its key '\(impliedID)'",
                    idNode,
                    key("id")
                )
            }
        } else if let impliedID {
            id = impliedID
        } else {
            throw reader.fail(.missingKey, "the required key 'id' is missing", node, key("id"))
        }
        let name = try reader.string(try reader.required(entries, "name", in: node, path), key("name"))
        let description = try reader.optionalString(entries["description"]?.value, key("description")) ?? ""
        let personality: Personality = try reader.enumeration(
            try reader.required(entries, "personality", in: node, path),
            key("personality")
        )
        let style: CommunicationStyle = try reader.enumeration(
            try reader.required(entries, "communication_style", in: node, path),
            key("communication_style")
        )
        var expertise: [String] = []
        if let value = entries["expertise"]?.value, !reader.isNull(value) {
            expertise = try reader.stringList(value, key("expertise"))
        }
        let backstory = try reader.optionalString(entries["backstory"]?.value, key("backstory"))
        var constraints = PersonaConstraints()
        if let value = entries["constraints"]?.value, !reader.isNull(value) {
            constraints = try decodeConstraints(value, key("constraints"), reader)
        }
        var templates: PromptTemplates?
        if let value = entries["prompt_templates"]?.value, !reader.isNull(value) {
            templates = try decodeTemplates(value, key("prompt_templates"), reader)
        }
        var temperature: Double?
        if let value = entries["temperature"]?.value, !reader.isNull(value) {
            temperature = try reader.double(value, key("temperature"))
        }
        var version = 1
        if let value = entries["version"]?.value { version = try reader.int(value, key("version")) }
        var createdAt = now
        if let value = entries["created_at"]?.value, !reader.isNull(value) {
            createdAt = try reader.timestamp(value, key("created_at"))
        }
        var updatedAt = createdAt
        if let value = entries["updated_at"]?.value, !reader.isNull(value) {
            updatedAt = try reader.timestamp(value, key("updated_at"))
        }
        let persona = Persona(
            id: id,
            name: name,
            description: description,
            personality: personality,
            communicationStyle: style,
            expertise: expertise,
            backstory: backstory,
            constraints: constraints,
            promptTemplates: templates,
            temperature: temperature,
            version: version,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
        do {
            try persona.validate()
        } catch {
            // Point at the offending key: walk its path through the document's mappings.
            var located = node
            for component in (error.location?.keyPath ?? "").split(separator: ".") {
                let name = String(component.prefix { $0 != "[" })
                guard let entries = try? reader.entries(located, ""), let value = entries[name]?.value else { break }
                located = value
            }
            throw reader.fail(error.code, error.message, located, key(error.location?.keyPath ?? ""))
        }
        return persona
    }

    static func decodeConstraints(
        _ node: DocumentNode,
        _ path: String,
        _ reader: NodeReader
    ) throws(PersonaError)
        -> PersonaConstraints
    {
        let entries = try reader.entries(node, path, allowed: constraintKeys)
        func key(_ name: String) -> String { reader.join(path, name) }
        var constraints = PersonaConstraints()
        if let value = entries["max_tool_calls"]?.value, !reader.isNull(value) {
            constraints.maxToolCalls = try reader.int(value, key("max_tool_calls"))
        }
        if let value = entries["preferred_tools"]?.value, !reader.isNull(value) {
            constraints.preferredTools = Set(try reader.stringList(value, key("preferred_tools")))
        }
        if let value = entries["forbidden_tools"]?.value, !reader.isNull(value) {
            constraints.forbiddenTools = Set(try reader.stringList(value, key("forbidden_tools")))
        }
        if let value = entries["allowed_tools"]?.value, !reader.isNull(value) {
            constraints.allowedTools = Set(try reader.stringList(value, key("allowed_tools")))
        }
        if let value = entries["response_length"]?.value, !reader.isNull(value) {
            constraints.responseLength = try reader.enumeration(value, key("response_length"))
        }
        if let value = entries["explanation_depth"]?.value, !reader.isNull(value) {
            constraints.explanationDepth = try reader.enumeration(value, key("explanation_depth"))
        }
        return constraints
    }

    static func decodeTemplates(
        _ node: DocumentNode,
        _ path: String,
        _ reader: NodeReader
    ) throws(PersonaError)
        -> PromptTemplates
    {
        let entries = try reader.entries(node, path, allowed: templateKeys)
        func text(_ name: String) throws(PersonaError) -> String? {
            try reader.optionalString(entries[name]?.value, reader.join(path, name)).map(PromptTemplateSyntax.mustache)
        }
        return PromptTemplates(
            system: try text("system_prompt"),
            task: try text("task_prompt"),
            greeting: try text("greeting"),
            farewell: try text("farewell")
        )
    }
}
