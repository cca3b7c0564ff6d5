import Foundation
import Testing
import VictorPersonas

@Suite struct PersonaDocumentTests {
    static let victorFile = """
        personas:
          senior_developer:
            id: senior_developer
            name: Senior Developer
            description: Experienced, pragmatic developer
            personality: pragmatic
            communication_style: technical
            expertise:
            - coding
            - debugging
            backstory: null
            constraints:
              max_tool_calls: null
              preferred_tools: []
              forbidden_tools: []
              response_length: medium
              explanation_depth: standard
            prompt_templates: null
            temperature: 0.7
            created_at: '2026-01-28T05:14:20.619052'
            version: 1
          devops:
            name: DevOps Engineer
            description: DevOps engineer persona
            personality: systematic
            communication_style: technical
            constraints:
              max_tool_calls: 40
              preferred_tools: [deploy, configure_ci]
            prompt_templates:
              system_prompt: "You are {name}, expert in {expertise}. Use {braces} literally."
            version: 3
        """

    @Test func readsVictorsPersonasMapping() async throws {
        let personas = try PersonaDocument.decode(Self.victorFile, file: "agent_personas.yaml")
        #expect(personas.map(\.id) == ["senior_developer", "devops"])
        let developer = personas[0]
        #expect(developer.personality == .pragmatic)
        #expect(developer.expertise == ["coding", "debugging"])
        #expect(developer.constraints.maxToolCalls == nil)
        #expect(developer.temperature == 0.7)
        #expect(PersonaTimestampProbe.format(developer.createdAt) == "2026-01-28T05:14:20.619Z")
        let devops = personas[1]
        #expect(devops.version == 3)
        #expect(devops.constraints.maxToolCalls == 40)
        #expect(devops.constraints.preferredTools == ["deploy", "configure_ci"])
        #expect(devops.promptTemplates?.system == "You are {{name}}, expert in {{expertise}}. Use {braces} literally.")
    }

    @Test func readsASinglePersonaAndAList() async throws {
        let single = try PersonaDocument.decode(
            "id: a\nname: A\npersonality: curious\ncommunication_style: casual\n",
            file: "a.yaml"
        )
        #expect(single.map(\.id) == ["a"])
        let list = try PersonaDocument.decode(
            """
            - {id: a, name: A, personality: curious, communication_style: casual}
            - {id: b, name: B, personality: critical, communication_style: direct}
            """,
            file: "list.yaml"
        )
        #expect(list.map(\.id) == ["a", "b"])
    }

    @Test func aStringWhereAListBelongsIsAnErrorNotASetOfCharacters() async {
        let text = """
            id: auditor
            name: Auditor
            personality: cautious
            communication_style: formal
            constraints:
              forbidden_tools: shell
            """
        let error = await personaError { _ = try PersonaDocument.decode(text, file: "auditor.yaml") }
        #expect(error?.code == .wrongType)
        #expect(error?.location?.file == "auditor.yaml")
        #expect(error?.location?.line == 6)
        #expect(error?.location?.keyPath == "constraints.forbidden_tools")
        #expect(error?.description.contains("auditor.yaml:6:") == true)
    }

    @Test func unknownKeyNamesFileLineAndKey() async {
        let text =
            "personas:\n  a:\n    name: A\n    personality: curious\n    communication_style: casual\n    colour: red\n"
        let error = await personaError { _ = try PersonaDocument.decode(text, file: "p.yaml") }
        #expect(error?.code == .unknownKey)
        #expect(error?.location?.line == 6)
        #expect(error?.location?.keyPath == "personas.a.colour")
    }

    @Test func unknownEnumValueIsAnError() async {
        let text = "id: a\nname: A\npersonality: grumpy\ncommunication_style: casual\n"
        let error = await personaError { _ = try PersonaDocument.decode(text, file: "p.yaml") }
        #expect(error?.code == .unknownValue)
        #expect(error?.location?.line == 3)
        #expect(error?.location?.keyPath == "personality")
    }

    @Test func wrongScalarTypesAreErrors() async {
        let cases: [(String, String)] = [
            ("id: a\nname: 5\npersonality: curious\ncommunication_style: casual\n", "name"),
            (
                "id: a\nname: A\npersonality: curious\ncommunication_style: casual\nconstraints: {max_tool_calls: many}\n",
                "constraints.max_tool_calls"
            ),
            ("id: a\nname: A\npersonality: curious\ncommunication_style: casual\nversion: '2'\n", "version"),
            (
                "id: a\nname: A\npersonality: curious\ncommunication_style: casual\nexpertise: [x, [y]]\n",
                "expertise[1]"
            ),
        ]
        for (text, key) in cases {
            let error = await personaError { _ = try PersonaDocument.decode(text, file: "p.yaml") }
            #expect(error?.code == .wrongType, "\(key)")
            #expect(error?.location?.keyPath == key)
        }
    }

    @Test func validationErrorsPointAtTheKey() async {
        let text = """
            id: a
            name: A
            personality: curious
            communication_style: casual
            constraints:
              preferred_tools: [shell]
              forbidden_tools: [shell]
              max_tool_calls: 0
            """
        let error = await personaError { _ = try PersonaDocument.decode(text, file: "p.yaml") }
        #expect(error?.code == .invalidValue)
        #expect(error?.location?.keyPath == "constraints.max_tool_calls")
        #expect(error?.location?.line == 8)
    }

    @Test func syntaxErrorNamesTheLine() async {
        let text = "id: a\nname: [unclosed\npersonality: curious\n"
        let error = await personaError { _ = try PersonaDocument.decode(text, file: "broken.yaml") }
        #expect(error?.code == .syntax)
        #expect(error?.location?.file == "broken.yaml")
        #expect(error?.location?.line != nil)
    }

    @Test func oneBadEntryMeansNothingIsImported() async {
        let text = """
            - {id: a, name: A, personality: curious, communication_style: casual}
            - {id: b, name: B, personality: curious, communication_style: shouty}
            """
        var result: [Persona]?
        let error = await personaError { result = try PersonaDocument.decode(text, file: "two.yaml") }
        #expect(result == nil)
        #expect(error?.location?.keyPath == "[1].communication_style")
        #expect(error?.location?.line == 2)
    }

    @Test func duplicateIdsAndKeysAreErrors() async {
        let ids =
            "- {id: a, name: A, personality: curious, communication_style: casual}\n"
            + "- {id: a, name: B, personality: curious, communication_style: casual}\n"
        #expect(await personaError { _ = try PersonaDocument.decode(ids, file: "d.yaml") }?.code == .duplicateKey)
        let keys = "id: a\nname: A\nname: B\npersonality: curious\ncommunication_style: casual\n"
        let error = await personaError { _ = try PersonaDocument.decode(keys, file: "d.yaml") }
        #expect(error?.code == .duplicateKey)
        #expect(error?.location?.line == 3)
        #expect(error?.message == "duplicate key 'name' (first at line 2)")
    }

    @Test func jsonErrorsNameTheLineToo() async {
        let json = """
            {
              "id": "a",
              "name": "A",
              "personality": "curious",
              "communication_style": "casual",
              "constraints": {"forbidden_tools": "shell"}
            }
            """
        let error = await personaError { _ = try PersonaDocument.decode(json, file: "a.json") }
        #expect(error?.code == .wrongType)
        #expect(error?.location?.line == 6)
        #expect(error?.location?.keyPath == "constraints.forbidden_tools")
    }

    @Test(arguments: PersonaFormat.allCases) func exportThenImportGivesEqualPersonas(format: PersonaFormat) async throws
    {
        var custom = samplePersona()
        custom.backstory = "Line one\nline \"two\": with: colons"
        custom.temperature = 0.3
        custom.promptTemplates = PromptTemplates(system: "You are {{name}}.", greeting: "Hello")
        custom.version = 4
        custom.updatedAt = custom.createdAt.addingTimeInterval(12.345)
        custom.constraints.preferredTools = ["read_file", "search"]
        let personas =
            PersonaLibrary.all + [
                custom,
                Persona(
                    id: "n",
                    name: "123",
                    description: "true",
                    personality: .curious,
                    communicationStyle: .casual,
                    expertise: ["null", "1.5"]
                ),
            ]
        let text = try PersonaDocument.encode(personas, as: format)
        let decoded = try PersonaDocument.decode(text, file: "export.\(format.rawValue)")
        #expect(decoded == personas)
    }
}

/// Formats timestamps the way exports write them.
enum PersonaTimestampProbe {
    static func format(_ date: Date) -> String {
        let persona = Persona(
            id: "t",
            name: "T",
            description: "",
            personality: .curious,
            communicationStyle: .casual,
            createdAt: date
        )
        let text = try! PersonaDocument.encode([persona], as: .json)
        let line = text.split(separator: "\n").first { $0.contains("\"created_at\"") }!
        return String(line.split(separator: "\"")[3])
    }
}

@Suite struct PersonaTimestampTests {
    static func createdAt(_ text: String) throws -> Date {
        let yaml = "id: a\nname: A\npersonality: curious\ncommunication_style: casual\ncreated_at: '\(text)'\n"
        return try PersonaDocument.decode(yaml, file: "t.yaml")[0].createdAt
    }

    @Test func acceptsVictorsAndISOForms() async throws {
        let utc = try Self.createdAt("2026-01-28T05:14:20.619Z")
        #expect(try Self.createdAt("2026-01-28T05:14:20.619052") == utc)
        #expect(try Self.createdAt("2026-01-28 05:14:20.619") == utc)
        #expect(try Self.createdAt("2026-01-28T07:14:20.619+02:00") == utc)
        #expect(try Self.createdAt("2026-01-28T05:14:20.6Z") == utc.addingTimeInterval(-0.019))
        #expect(utc.timeIntervalSince1970 == 1_769_577_260.619)
        #expect(try Self.createdAt("2026-01-28") == Date(timeIntervalSince1970: 1_769_558_400))
    }

    @Test func rejectsMalformedTimestamps() async {
        for text in ["2026-13-01", "yesterday", "2026-01-28T05:14", "2026-01-28T05:14:20.Z"] {
            let error = await personaError { _ = try Self.createdAt(text) }
            #expect(error?.code == .invalidValue, "\(text)")
            #expect(error?.location?.keyPath == "created_at")
        }
    }
}
