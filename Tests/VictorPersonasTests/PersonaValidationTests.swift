import Foundation
import Testing
import VictorPersonas

/// What a persona may hold (issue 9, findings 11, 14, 15 and 20).
@Suite struct PersonaValidationTests {
    static let forbidden: [Unicode.Scalar] = [
        0x0, 0x1B, 0x7F, 0x80, 0x85, 0x9F, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF, 0xFDD0, 0x1FFFF,
    ].map { Unicode.Scalar(UInt32($0))! }

    /// A copy of the sample persona with `text` in the field `key`.
    static func with(_ key: String, _ text: String) -> Persona {
        var persona = samplePersona()
        switch key {
        case "name": persona.name = text
        case "description": persona.description = text
        case "backstory": persona.backstory = text
        case "expertise[1]": persona.expertise = ["security", text]
        case "constraints.preferred_tools": persona.constraints.preferredTools = [text]
        case "constraints.forbidden_tools": persona.constraints.forbiddenTools = [text]
        case "prompt_templates.system_prompt": persona.promptTemplates = PromptTemplates(system: text)
        case "prompt_templates.farewell": persona.promptTemplates = PromptTemplates(farewell: text)
        default: Issue.record("no field \(key)")
        }
        return persona
    }

    static let keys = [
        "name", "description", "backstory", "expertise[1]", "constraints.preferred_tools",
        "constraints.forbidden_tools", "prompt_templates.system_prompt", "prompt_templates.farewell",
    ]

    @Test(arguments: keys) func forbiddenCharactersAreRejectedInEveryField(key: String) async {
        for scalar in Self.forbidden {
            let error = await personaError { try Self.with(key, "a\(Character(scalar))b").validate() }
            #expect(error?.code == .invalidValue, "\(key) \(ExactTextProbe.codePoint(scalar))")
            #expect(error?.location?.keyPath == key)
            #expect(error?.message.contains("contains \(ExactTextProbe.codePoint(scalar)) at character 2") == true)
        }
    }

    @Test(arguments: keys) func lineBreaksAreTextInTextAndErrorsInNames(key: String) async {
        let isName = ["name", "expertise[1]", "constraints.preferred_tools", "constraints.forbidden_tools"]
            .contains(key)
        for text in ["two\nlines", "tab\there", "cr\r\nlf"] {
            let error = await personaError { try Self.with(key, text).validate() }
            if isName {
                #expect(error?.code == .invalidValue, "\(key)")
                #expect(error?.message.contains("is one line") == true)
            } else {
                #expect(error == nil, "\(key): \(String(describing: error))")
            }
        }
    }

    @Test func aMergedNameWithDELIsRejected() async throws {
        let manager = PersonaManager()
        let error = await personaError {
            _ = try await manager.merge(ids: ["debugger", "devops_engineer"], name: "Ops\u{7F}Debugger")
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.location?.keyPath == "name")
        #expect(try await manager.isStored("merged_debugger_devops_engineer") == false)
    }

    @Test func mergingAPersonaWithItselfIsAnError() async throws {
        let manager = PersonaManager()
        let error = await personaError { _ = try await manager.merge(ids: ["debugger", "debugger"], name: "Twice") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message == "'debugger' is named more than once; merging needs distinct personas")
        let debugger = try await manager.load("debugger")
        await #expect(
            personaError { _ = try Persona.merging([debugger, debugger], name: "Twice") }?.code == .invalidArgument
        )
    }

    @Test func timesOutsideTheWritableYearsAreRejected() async {
        var persona = samplePersona()
        persona.createdAt = Date(timeIntervalSince1970: 1e15)
        persona.updatedAt = persona.createdAt
        #expect(await personaError { try persona.validate() }?.location?.keyPath == "created_at")
        persona = Persona(
            id: "x",
            name: "X",
            description: "",
            personality: .curious,
            communicationStyle: .casual,
            createdAt: Date(timeIntervalSince1970: .infinity)
        )
        #expect(await personaError { try persona.validate() }?.code == .invalidValue)
    }
}

/// `U+XXXX` as messages write it.
enum ExactTextProbe {
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

/// Prompt templates: nesting bounded before the recursive parser sees them, and errors as
/// readable messages with a location (finding 11).
@Suite struct PromptTemplateTests {
    static func nested(_ depth: Int, _ open: String = "#") -> String {
        String(repeating: "{{\(open)a}}", count: depth) + "x" + String(repeating: "{{/a}}", count: depth)
    }

    static func templateError(_ template: String) async -> PersonaError? {
        var persona = samplePersona()
        persona.promptTemplates = PromptTemplates(system: template)
        return await personaError { try persona.validate() }
    }

    @Test func fourThousandNestedSectionsAreAnErrorNotACrash() async {
        let error = await Self.templateError(Self.nested(4000))
        #expect(error?.code == .invalidValue)
        #expect(error?.location?.keyPath == "prompt_templates.system_prompt")
        #expect(
            error?.message == "line 1, column 193 of the template: sections are nested more than 32 deep"
        )
    }

    @Test func nestingIsBoundedAtThirtyTwoForEverySectionKind() async {
        for open in ["#", "^", "$"] {
            #expect(await Self.templateError(Self.nested(32, open)) == nil, "\(open)")
            #expect(await Self.templateError(Self.nested(33, open))?.message.contains("nested more than 32") == true)
        }
        // Siblings do not add up; comments are not sections.
        #expect(await Self.templateError(String(repeating: Self.nested(20), count: 50)) == nil)
        #expect(await Self.templateError("{{! " + String(repeating: "{{#a ", count: 100) + "}}ok") == nil)
        let multiline = "line one\n  " + Self.nested(40).replacingOccurrences(of: "x", with: "\n")
        #expect(await Self.templateError(multiline)?.message.hasPrefix("line 2, column 195 of the template:") == true)
    }

    @Test func delimiterChangesAndLongTransformChainsAreRefused() async {
        let delimiters = await Self.templateError("{{=<% %>=}}" + String(repeating: "<%#a%>", count: 40))
        #expect(delimiters?.message.contains("changing the delimiters") == true)
        let chain = await Self.templateError(
            "{{" + String(repeating: "f(", count: 5000) + "x" + String(repeating: ")", count: 5000) + "}}"
        )
        #expect(chain?.message == "line 1, column 1 of the template: a tag chains more than 8 transforms")
    }

    @Test func parseErrorsAreMessagesWithALocationNotSwiftDumps() async throws {
        let cases = [
            ("Hello\n{{#open}} never closed", "line 2, column 23 of the template: a section is not closed"),
            (
                "{{#a}}x{{/b}}",
                "line 1, column 11 of the template: the closing tag does not match the section it closes"
            ),
            ("{{name", "line 1, column 7 of the template: the template ends before a tag or section is complete"),
            ("{{na me}}", "line 1, column 6 of the template: a tag is not closed, or its name is not valid"),
        ]
        for (template, expected) in cases {
            let error = await Self.templateError(template)
            #expect(error?.message.hasSuffix(expected) == true, "\(String(describing: error?.message))")
            #expect(error?.description.contains("ParserError") == false)
            #expect(error?.description.contains("context:") == false)
        }
    }

    @Test func theSystemPromptReportsTheTemplatesOwnColumns() async throws {
        var persona = samplePersona()
        persona.promptTemplates = PromptTemplates(system: "{{#a}}x{{/b}}")
        let adapted = PersonaManager.adapt(persona, to: .empty, rules: .victor)
        let error = await personaError { _ = try PersonaManager.systemPrompt(for: adapted) }
        #expect(error?.message.hasPrefix("line 1, column 11 of the template:") == true)
    }
}

/// Timestamps: impossible dates and offsets rejected, not rolled over (finding 20).
@Suite struct PersonaTimestampStrictnessTests {
    static func createdAt(_ text: String) throws -> Date {
        let yaml = "id: a\nname: A\npersonality: curious\ncommunication_style: casual\ncreated_at: '\(text)'\n"
        return try PersonaDocument.decode(yaml, file: "t.yaml")[0].createdAt
    }

    @Test(arguments: [
        "2024-02-31T00:00:00Z", "2023-02-29T00:00:00Z", "2024-04-31", "2024-01-01T00:00:00+99:99",
        "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00-05:60", "2024-01-01T24:00:00Z", "2024-01-01T23:59:60Z",
        "2024-00-10", "2024-01-00",
    ])
    func impossibleDatesAndOffsetsAreRejected(text: String) async {
        let error = await personaError { _ = try Self.createdAt(text) }
        #expect(error?.code == .invalidValue)
        #expect(error?.location?.keyPath == "created_at")
    }

    @Test func possibleOnesAreRead() async throws {
        #expect(try Self.createdAt("2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(try Self.createdAt("2000-02-29") == Date(timeIntervalSince1970: 951_782_400))
        #expect(try Self.createdAt("2024-01-01T05:30:00+05:30") == Date(timeIntervalSince1970: 1_704_067_200))
        #expect(try Self.createdAt("2024-01-01T00:00:00-23:59") == Date(timeIntervalSince1970: 1_704_153_540))
        #expect(try Self.createdAt("2024-12-31T23:59:59.999Z") == Date(timeIntervalSince1970: 1_735_689_599.999))
    }

    @Test func agreesWithFoundationOnEveryValidDayOfALeapCycle() async throws {
        let style = Date.ISO8601FormatStyle()
        var day = try Date("2000-01-01T12:00:00Z", strategy: style)
        for _ in 0..<(366 + 365 * 3) {
            let text = style.format(day)
            #expect(try Self.createdAt(text) == day, "\(text)")
            day = day.addingTimeInterval(86_400)
        }
    }
}

/// Timestamps read through Foundation's ISO 8601 style: leap seconds, impossible days and zone
/// offsets rejected, every valid form read, every writable time written back exactly.
@Suite struct PersonaTimestampFoundationTests {
    static func createdAt(_ text: String) throws -> Date {
        try PersonaTimestampStrictnessTests.createdAt(text)
    }

    @Test(arguments: [
        "2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5+00:00", "2024-06-30 23:59:60",
        "2024-01-01T00:60:00Z", "2024-01-01T99:00:00Z",
        "2100-02-29", "1900-02-29T00:00:00Z", "2023-06-31", "2023-11-31T12:00:00Z", "2023-02-30",
        "2024-01-01T00:00:00+23:60", "2024-01-01T00:00:00+5:30", "2024-01-01T00:00:00+05", "2024-01-01T00:00:00 Z",
        "2024-01-01T00:00:00.Z", "2024-1-01", "２０２４-01-01", "2024-01-01T00:00:00ZZ", "+2024-01-01",
    ])
    func leapSecondsImpossibleDaysAndBadZonesAreRejected(text: String) async {
        let error = await personaError { _ = try Self.createdAt(text) }
        #expect(error?.code == .invalidValue)
        #expect(error?.location?.keyPath == "created_at")
    }

    @Test func zonesAndSeparatorsAreRead() throws {
        let utc = Date(timeIntervalSince1970: 1_704_067_200)
        for text in [
            "2024-01-01T00:00:00Z", "2024-01-01t00:00:00z", "2024-01-01 00:00:00", "2024-01-01T05:30:00+0530",
            "2023-12-31T19:00:00-05:00", "2024-01-01T23:59:00+23:59", "2024-01-01T00:00:00-00:00", "2024-01-01",
        ] {
            #expect(try Self.createdAt(text) == utc, "\(text)")
        }
        #expect(try Self.createdAt("2024-02-29T23:59:59.9999999Z") == Date(timeIntervalSince1970: 1_709_251_199.999))
        #expect(try Self.createdAt("2000-02-29T00:00:00Z") == Date(timeIntervalSince1970: 951_782_400))
    }

    @Test func theFirstAndLastWritableTimesRoundTrip() throws {
        for text in [
            "0000-01-01T00:00:00.000Z", "0000-03-01T00:00:00.000Z", "1582-10-04T23:59:59.999Z",
            "1582-10-15T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.001Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            let date = try Self.createdAt(text)
            #expect(PersonaTimestampProbe.format(date) == text)
        }
    }

    @Test func millisecondsAreWrittenExactly() throws {
        for milliseconds in [0, 1, 9, 10, 99, 100, 618, 619, 999] {
            let date = Date(timeIntervalSince1970: 1_769_577_260 + Double(milliseconds) / 1000)
            let text = PersonaTimestampProbe.format(date)
            #expect(text.hasSuffix(".\(String(format: "%03d", milliseconds))Z"), "\(text)")
            #expect(try Self.createdAt(text) == date)
        }
    }
}

/// Errors carry the source location of the failing call in `file` and `line`, and the document
/// position in `location`; users see `FILE:LINE:COLUMN: key.path: message`.
@Suite struct PersonaErrorLocationTests {
    @Test func documentPositionsAndSourceLocationsAreKeptApart() async throws {
        let yaml = "id: a\nname: A\npersonality: curious\ncommunication_style: casual\ncolour: blue\n"
        let error = try #require(await personaError { _ = try PersonaDocument.decode(yaml, file: "a.yaml") })
        #expect(error.location == DocumentLocation(file: "a.yaml", line: 5, column: 1, keyPath: "colour"))
        #expect(error.description.hasPrefix("a.yaml:5:1: colour: "))
        #expect(error.file.hasPrefix("VictorPersonas/"))
        #expect(error.line > 0)
    }

    @Test func theDescriptionShowsTheKnownParts() {
        let store = PersonaError(.damaged, "is broken", location: DocumentLocation(file: "/s/a.json"))
        #expect(store.description == "/s/a.json: is broken [damaged]")
        let key = PersonaError(.invalidValue, "is empty", location: DocumentLocation(keyPath: "name"))
        #expect(key.description == "name: is empty [invalidValue]")
        let plain = PersonaError(.notFound, "no persona 'x'")
        #expect(plain.description == "no persona 'x' [notFound]")
        #expect(plain.file == "VictorPersonasTests/PersonaValidationTests.swift")
    }
}
