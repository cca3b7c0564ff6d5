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
