import Testing
import VictorPersonas

@Suite struct AllowedToolsTests {
    static let document = """
        personas:
          reader:
            name: Reader
            description: Reads only
            personality: cautious
            communication_style: formal
            constraints:
              allowed_tools: [read_file, search]
              forbidden_tools: [shell]
          open:
            name: Open
            description: No allow-list
            personality: creative
            communication_style: casual
        """

    @Test func allowListsReadAndWriteBack() throws {
        let personas = try PersonaDocument.decode(Self.document, file: "p.yaml")
        let reader = try #require(personas.first { $0.id == "reader" })
        let open = try #require(personas.first { $0.id == "open" })
        #expect(reader.constraints.allowedTools == ["read_file", "search"])
        #expect(open.constraints.allowedTools == nil, "no list is no allow-list, not an empty one")
        for format in [PersonaFormat.yaml, .json] {
            let text = try PersonaDocument.encode(personas, as: format)
            let again = try PersonaDocument.decode(text, file: "again")
            #expect(again.first { $0.id == "reader" }?.constraints.allowedTools == ["read_file", "search"])
            #expect(again.first { $0.id == "open" }?.constraints.allowedTools == nil)
        }
        #expect(!(try PersonaDocument.encode([open], as: .yaml)).contains("allowed_tools"))
    }

    @Test func aToolBothAllowedAndForbiddenIsAnError() {
        let text = """
            personas:
              p:
                name: P
                description: d
                personality: cautious
                communication_style: formal
                constraints: {allowed_tools: [shell], forbidden_tools: [shell]}
            """
        #expect {
            _ = try PersonaDocument.decode(text, file: "p.yaml")
        } throws: { error in
            "\(error)".contains("tools cannot be both allowed and forbidden: 'shell'")
        }
    }

    @Test func mergingKeepsWhatEverySourceAllows() throws {
        let personas = try PersonaDocument.decode(Self.document, file: "p.yaml")
        var narrow = personas[0]
        narrow.id = "narrow"
        narrow.constraints.allowedTools = ["search", "deploy"]
        narrow.constraints.forbiddenTools = []
        var open = personas[1]
        open.personality = .cautious
        let merged = try Persona.merging([personas[0], narrow, open], name: "Merged")
        #expect(merged.constraints.allowedTools == ["search"], "a source without a list narrows nothing")
        var other = open
        other.id = "other"
        let unlisted = try Persona.merging([open, other], name: "Unlisted")
        #expect(unlisted.constraints.allowedTools == nil)
    }
}
