import Mustache

/// Converts Victor's Python-format placeholders (`{name}`) to Mustache (`{{name}}`).
enum PromptTemplateSyntax {
    /// The placeholders Victor's templates use.
    static let placeholders: Set<String> = [
        "name", "personality", "communication_style", "expertise", "backstory", "description",
    ]

    /// `template` with every `{placeholder}` of Victor's set turned into `{{placeholder}}`; a
    /// template that already contains `{{` is taken to be Mustache and returned unchanged.
    static func mustache(_ template: String) -> String {
        guard !template.contains("{{"), template.contains("{") else { return template }
        var result = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"),
                placeholders.contains(String(rest[afterOpen..<close]))
            {
                result += "{{" + rest[afterOpen..<close] + "}}"
                rest = rest[rest.index(after: close)...]
            } else {
                result += "{"
                rest = rest[afterOpen...]
            }
        }
        return result + rest
    }
}

extension PromptTemplateSyntax {
    /// The deepest nesting of sections (`{{#…}}`, `{{^…}}`, `{{$…}}`, `{{<…}}`) a template may have.
    static let maximumNesting = 32
    /// The most transforms one tag may chain, such as `{{uppercased(reversed(name))}}`.
    static let maximumTransforms = 8

    /// A template problem: what is wrong and where, 1-based, in the template's own text.
    struct Problem: Error {
        var message: String
        var line: Int
        var column: Int
    }

    /// Compiles a Mustache template after checking what the template parser cannot bound by
    /// itself (it recurses once per nested section and per chained transform).
    ///
    /// - Parameters:
    ///   - text: the template.
    ///   - pragma: text put in front of the template (such as a content-type pragma), not counted
    ///     in the reported columns.
    ///   - key: the template's key path, for the error.
    ///   - personaID: the persona, for the error.
    /// - Throws: ``PersonaError/Code/invalidValue`` naming the line and column: sections nested
    ///   deeper than ``maximumNesting``, more than ``maximumTransforms`` transforms in one tag, a
    ///   set-delimiter tag, or anything the Mustache parser rejects.
    static func compile(
        _ text: String,
        pragma: String = "",
        key: String,
        personaID: String?
    ) throws(PersonaError) -> MustacheTemplate {
        func failure(_ problem: Problem) -> PersonaError {
            PersonaError(
                .invalidValue,
                "line \(problem.line), column \(problem.column) of the template: \(problem.message)",
                location: DocumentLocation(keyPath: key),
                personaID: personaID
            )
        }
        if let problem = check(text) { throw failure(problem) }
        do {
            return try MustacheTemplate(string: pragma + text)
        } catch let error as MustacheTemplate.ParserError {
            var column = error.context.columnNumber
            if error.context.lineNumber == 1 { column = max(1, column - pragma.count) }
            throw failure(Problem(message: describe(error.error), line: error.context.lineNumber, column: column))
        } catch {
            throw failure(Problem(message: "the template does not parse", line: 1, column: 1))
        }
    }

    /// The first structural problem of `text`, found without recursion: nesting too deep, too
    /// many chained transforms in a tag, or a set-delimiter tag.
    ///
    /// The scan follows the Mustache parser: it walks the same characters (grapheme clusters),
    /// finds tags at the same places and skips comments as the parser does, so it never sees
    /// less nesting than the parser would build. Set-delimiter tags are refused because the
    /// delimiters are what the scan relies on.
    static func check(_ text: String) -> Problem? {
        let characters = Array(text)
        var depth = 0
        var index = 0
        var line = 1
        var lineStart = 0
        func problem(_ message: String, at position: Int) -> Problem {
            Problem(message: message, line: line, column: position - lineStart + 1)
        }
        func isTagStart(_ position: Int) -> Bool {
            position + 1 < characters.count && characters[position] == "{" && characters[position + 1] == "{"
        }
        /// The index just past the next `}}` at or after `position`, or `nil`.
        func tagEnd(from position: Int) -> Int? {
            var cursor = position
            while cursor + 1 < characters.count {
                if characters[cursor] == "}" && characters[cursor + 1] == "}" { return cursor + 2 }
                cursor += 1
            }
            return nil
        }
        func advanceLines(to end: Int) {
            while index < end {
                if characters[index].isNewline { (line, lineStart) = (line + 1, index + 1) }
                index += 1
            }
        }
        while index < characters.count {
            guard isTagStart(index) else {
                advanceLines(to: index + 1)
                continue
            }
            let tag = index
            let sigil = tag + 2 < characters.count ? characters[tag + 2] : nil
            // The parser rejects a tag that does not close, so nothing after it is parsed.
            guard let end = tagEnd(from: tag + 2) else { return nil }
            switch sigil {
            case "!":
                advanceLines(to: end)
                continue
            case "=":
                return problem("changing the delimiters ({{=…=}}) is not supported in persona templates", at: tag)
            case "#", "^", "$", "<":
                depth += 1
                if depth > maximumNesting {
                    return problem("sections are nested more than \(maximumNesting) deep", at: tag)
                }
            case "/":
                depth = max(0, depth - 1)
            default:
                break
            }
            if characters[(tag + 2)..<end].lazy.filter({ $0 == "(" }).count > maximumTransforms {
                return problem("a tag chains more than \(maximumTransforms) transforms", at: tag)
            }
            // A tag the parser accepts holds no "{{", so the next tag starts after this one's
            // delimiter at the earliest; scanning on from there never misses one.
            advanceLines(to: tag + 2)
        }
        return nil
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else {
            // The parser's only other error: it ran out of text.
            return "the template ends before a tag or section is complete"
        }
        switch error {
        case .sectionCloseNameIncorrect: return "the closing tag does not match the section it closes"
        case .unfinishedName: return "a tag is not closed, or its name is not valid"
        case .expectedSectionEnd: return "a section is not closed"
        case .invalidSetDelimiter: return "the set-delimiter tag is not valid"
        case .transformAppliedToInheritanceSection: return "a transform cannot apply to an inherited section"
        case .illegalTokenInsideInheritSection: return "only block definitions may appear in an inherited partial"
        case .textInsideInheritSection: return "text cannot appear in an inherited partial"
        case .invalidConfigVariableSyntax: return "the pragma tag is not valid"
        case .unrecognisedConfigVariable: return "the pragma is not one the template engine knows"
        }
    }
}
