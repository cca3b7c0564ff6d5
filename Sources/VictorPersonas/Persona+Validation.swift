import Foundation
import Mustache

extension Persona {
    /// Whether `id` can name a persona (and a file): 1 to 128 letters, digits, `_`, `-` or `.`,
    /// not starting with `.`.
    public static func isValidID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 128, id.utf8.first != UInt8(ascii: ".") else { return false }
        return id.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
        }
    }

    /// Checks the rules every stored persona satisfies.
    ///
    /// - Throws: ``PersonaError/Code/invalidValue`` naming the key: an invalid id, an empty name,
    ///   an empty expertise entry or tool name, a tool both preferred and forbidden, a
    ///   `max_tool_calls` below 1, a temperature outside 0…2, a version below 1, an update
    ///   time before the creation time, or a prompt template that is not valid Mustache.
    public func validate() throws(PersonaError) {
        func fail(_ key: String, _ message: String) -> PersonaError {
            PersonaError(.invalidValue, message, keyPath: key, personaID: id)
        }
        guard Persona.isValidID(id) else {
            throw fail(
                "id",
                "'\(id)' is not a valid persona id (1-128 letters, digits, '_', '-', '.', not starting with '.')"
            )
        }
        guard !name.isBlank else {
            throw fail("name", "the name is empty")
        }
        if let index = expertise.firstIndex(where: \.isBlank) {
            throw fail("expertise[\(index)]", "an expertise entry is empty")
        }
        if let max = constraints.maxToolCalls, max < 1 {
            throw fail("constraints.max_tool_calls", "must be at least 1, is \(max)")
        }
        for (key, tools) in [
            ("constraints.preferred_tools", constraints.preferredTools),
            ("constraints.forbidden_tools", constraints.forbiddenTools),
        ] where tools.contains(where: \.isBlank) {
            throw fail(key, "a tool name is empty")
        }
        if !constraints.preferredTools.isDisjoint(with: constraints.forbiddenTools) {
            let overlap = constraints.preferredTools.intersection(constraints.forbiddenTools)
            throw fail(
                "constraints",
                "tools cannot be both preferred and forbidden: \(overlap.sorted().joined(separator: ", "))"
            )
        }
        if let temperature, !(0...2).contains(temperature) {
            throw fail("temperature", "must be between 0 and 2, is \(temperature)")
        }
        guard version >= 1 else { throw fail("version", "must be at least 1, is \(version)") }
        guard updatedAt >= createdAt else { throw fail("updated_at", "is before created_at") }
        if let templates = promptTemplates {
            for (key, template) in [
                ("system_prompt", templates.system), ("task_prompt", templates.task),
                ("greeting", templates.greeting), ("farewell", templates.farewell),
            ] {
                guard let template else { continue }
                do {
                    _ = try MustacheTemplate(string: template)
                } catch {
                    throw fail("prompt_templates.\(key)", "the template does not parse: \(error)")
                }
            }
        }
    }
}

extension String {
    /// Whether the string is empty or only whitespace (ASCII checked byte-wise, anything else by
    /// Unicode properties).
    var isBlank: Bool {
        for byte in utf8 {
            if byte >= 0x80 { return allSatisfy(\.isWhitespace) }
            if byte != 32, !(9...13).contains(byte) { return false }
        }
        return true
    }
}
