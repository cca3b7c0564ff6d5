import Foundation
import VictorDocuments

extension Persona {
    /// Whether `id` can name a persona (and a file): 1 to 128 letters, digits, `_`, `-` or `.`,
    /// not starting with `.`.
    public static func isValidID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 128, id.utf8.first != UInt8(ascii: ".") else { return false }
        return id.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
        }
    }

    /// The persona with every string in Unicode Normalization Form C (see `ExactText`), the form
    /// in which stores keep personas and compare names.
    public func normalized() -> Persona {
        var copy = self
        copy.id = ExactText.normalized(id)
        copy.name = ExactText.normalized(name)
        copy.description = ExactText.normalized(description)
        copy.expertise = expertise.map(ExactText.normalized)
        copy.backstory = backstory.map(ExactText.normalized)
        copy.constraints.preferredTools = Set(constraints.preferredTools.map(ExactText.normalized))
        copy.constraints.forbiddenTools = Set(constraints.forbiddenTools.map(ExactText.normalized))
        copy.constraints.allowedTools = constraints.allowedTools.map { Set($0.map(ExactText.normalized)) }
        if let templates = promptTemplates {
            copy.promptTemplates = PromptTemplates(
                system: templates.system.map(ExactText.normalized),
                task: templates.task.map(ExactText.normalized),
                greeting: templates.greeting.map(ExactText.normalized),
                farewell: templates.farewell.map(ExactText.normalized)
            )
        }
        return copy
    }

    /// The earliest and latest times a persona can carry, in milliseconds since 1970: years 0000
    /// to 9999, the range its ISO 8601 form writes and reads back (`0000-01-01T00:00:00.000Z`
    /// counted, as Foundation counts it, in the Julian calendar before October 15, 1582).
    static let timestampRange: ClosedRange<Int64> = -62_167_392_000_000...253_402_300_799_999

    /// Checks the rules every stored persona satisfies.
    ///
    /// - Throws: ``PersonaError/Code/invalidValue`` naming the key: an invalid id; an empty name;
    ///   a control character, DEL, a C1 control (NEL included), a line or paragraph separator, a
    ///   byte-order mark or a noncharacter in any text (see `ExactText.isForbidden`), or a line
    ///   break in a name, an expertise entry or a tool name; an empty expertise entry or tool
    ///   name, a tool both preferred and forbidden, a `max_tool_calls` below 1, a temperature
    ///   outside 0…2, a version below 1, a time outside the years 0000–9999 or an update time
    ///   before the creation time; a prompt template that is not valid Mustache or nests
    ///   sections more than 32 deep.
    public func validate() throws(PersonaError) {
        func fail(_ key: String, _ message: String) -> PersonaError {
            PersonaError(.invalidValue, message, location: DocumentLocation(keyPath: key), personaID: id)
        }
        guard Persona.isValidID(id) else {
            throw fail(
                "id",
                "\(ExactText.quotedForDisplay(id)) is not a valid persona id "
                    + "(1-128 letters, digits, '_', '-', '.', not starting with '.')"
            )
        }
        let nameCheck = Persona.inspectName(name)
        if let problem = nameCheck.problem { throw fail("name", problem) }
        guard !nameCheck.isBlank else {
            throw fail("name", "the name is empty")
        }
        if let problem = Persona.textProblem(description, isName: false) { throw fail("description", problem) }
        if let backstory, let problem = Persona.textProblem(backstory, isName: false) {
            throw fail("backstory", problem)
        }
        for index in expertise.indices {
            // Keys are built only for an error: validation runs on every merge.
            let check = Persona.inspectName(expertise[index])
            if let problem = check.problem { throw fail("expertise[\(index)]", problem) }
            if check.isBlank { throw fail("expertise[\(index)]", "an expertise entry is empty") }
        }
        if let max = constraints.maxToolCalls, max < 1 {
            throw fail("constraints.max_tool_calls", "must be at least 1, is \(max)")
        }
        try Persona.checkTools(constraints.preferredTools, "constraints.preferred_tools", fail)
        try Persona.checkTools(constraints.forbiddenTools, "constraints.forbidden_tools", fail)
        if let allowed = constraints.allowedTools {
            try Persona.checkTools(allowed, "constraints.allowed_tools", fail)
            if !allowed.isDisjoint(with: constraints.forbiddenTools) {
                throw fail(
                    "constraints",
                    "tools cannot be both allowed and forbidden: "
                        + allowed.intersection(constraints.forbiddenTools).sorted().map(ExactText.quotedForDisplay)
                        .joined(separator: ", ")
                )
            }
        }
        if !constraints.preferredTools.isDisjoint(with: constraints.forbiddenTools) {
            let overlap = constraints.preferredTools.intersection(constraints.forbiddenTools)
            throw fail(
                "constraints",
                "tools cannot be both preferred and forbidden: "
                    + overlap.sorted().map(ExactText.quotedForDisplay).joined(separator: ", ")
            )
        }
        if let temperature, !(0...2).contains(temperature) {
            throw fail("temperature", "must be between 0 and 2, is \(temperature)")
        }
        guard version >= 1 else { throw fail("version", "must be at least 1, is \(version)") }
        if !Persona.timestampRange.contains(PersonaTimestamp.milliseconds(createdAt)) {
            throw fail("created_at", "must be within the years 0000 to 9999")
        }
        if !Persona.timestampRange.contains(PersonaTimestamp.milliseconds(updatedAt)) {
            throw fail("updated_at", "must be within the years 0000 to 9999")
        }
        guard updatedAt >= createdAt else { throw fail("updated_at", "is before created_at") }
        if let templates = promptTemplates {
            for (key, template) in [
                ("system_prompt", templates.system), ("task_prompt", templates.task),
                ("greeting", templates.greeting), ("farewell", templates.farewell),
            ] {
                guard let template else { continue }
                let keyPath = "prompt_templates.\(key)"
                if let problem = Persona.textProblem(template, isName: false) { throw fail(keyPath, problem) }
                _ = try PromptTemplateSyntax.compile(template, key: keyPath, personaID: id)
            }
        }
    }
}

extension Persona {
    /// Why `text` may not be stored, or `nil`: a forbidden scalar (see `ExactText.isForbidden`),
    /// or, in a name, a line break or tab.
    static func textProblem(_ text: String, isName: Bool) -> String? {
        guard !isPlainText(text, allowLineBreaks: !isName),
            let (offset, scalar) = ExactText.firstForbidden(in: text, allowLineBreaks: !isName)
        else { return nil }
        let rule =
            ExactText.isForbidden(scalar)
            ? "control characters, line and paragraph separators and noncharacters are not allowed"
            : "a name, an expertise entry or a tool name is one line, without tabs"
        return "contains \(ExactText.codePoint(scalar)) at character \(offset + 1): \(rule)"
    }

    /// One pass over a name: why it may not be stored (see ``textProblem(_:isName:)``), and
    /// whether it is empty or only whitespace. Printable ASCII, the common case, is decided by a
    /// single scan of its bytes.
    @inline(__always)
    static func inspectName(_ text: String) -> (problem: String?, isBlank: Bool) {
        let fast = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            var blank = true
            for byte in bytes {
                if byte > 0x20 && byte < 0x7F {
                    blank = false
                } else if byte != 0x20 {
                    return nil
                }
            }
            return blank
        }
        if let blank = fast ?? nil { return (nil, blank) }
        return (textProblem(text, isName: true), text.isBlank)
    }

    /// Checks tool names: one line each, not empty. The first bad name in sorted order is reported.
    static func checkTools(
        _ tools: Set<String>,
        _ key: String,
        _ fail: (String, String) -> PersonaError
    ) throws(PersonaError) {
        for tool in tools {
            let check = inspectName(tool)
            guard check.problem != nil || check.isBlank else { continue }
            for tool in tools.sorted() {
                if let problem = textProblem(tool, isName: true) { throw fail(key, problem) }
            }
            throw fail(key, "a tool name is empty")
        }
    }

    /// Whether `text` is ASCII without controls (but tab, line feed and carriage return when
    /// `allowLineBreaks`) and without DEL: a byte scan that spares the common case the scalar walk
    /// of `ExactText.firstForbidden`. `false` means only "look closer".
    @inline(__always)
    static func isPlainText(_ text: String, allowLineBreaks: Bool) -> Bool {
        // Over the contiguous UTF-8 of a native or small string: no copy, no per-byte index checks.
        let plain = text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where byte < 0x20 || byte >= 0x7F {
                if allowLineBreaks && (byte == 0x09 || byte == 0x0A || byte == 0x0D) { continue }
                return false
            }
            return true
        }
        return plain ?? false
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
