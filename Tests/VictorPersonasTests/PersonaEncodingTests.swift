import Foundation
import Testing
import VictorDocuments
import VictorTestSupport

@testable import VictorPersonas

/// The writer escapes whatever a reader would fold, strip or reject, so that what the document
/// reader accepts reads back identically (findings 14 and 15).
@Suite struct PersonaEncodingTests {
    let directories = TemporaryDirectories()

    /// Scalars chosen to hit every escaping rule, mixed with ordinary text.
    static let alphabet: [Unicode.Scalar] =
        Array("aZ09 -_./@:#'\"\\{}[],&*!|>%?~\t\n\r".unicodeScalars)
        + [
            0x0, 0x7, 0x1B, 0x7F, 0x80, 0x85, 0x9F, 0xA0, 0xE9, 0x301, 0x2028, 0x2029, 0x200B, 0xFEFF, 0xFFFD, 0xFFFE,
            0xFFFF, 0x1F600, 0x1FFFE, 0x10FFFF, 0x4E2D,
        ].map { Unicode.Scalar(UInt32($0))! }

    static func randomText(_ rng: inout SplitMix) -> String {
        let length = Int.random(in: 0...12, using: &rng)
        var text = String.UnicodeScalarView()
        for _ in 0..<length { text.append(alphabet.randomElement(using: &rng)!) }
        return String(text)
    }

    /// Reads a YAML or JSON scalar document back as a string.
    static func readBack(_ document: String) throws(DocumentError) -> String? {
        guard case .string(let text)? = try DocumentReader().read(document, file: "t")?.scalar else { return nil }
        return text
    }

    @Test func randomStringsReadBackIdenticallyOrAreRejectedNeverAltered() async throws {
        var rng = SplitMix(state: 0x5EED)
        var accepted = 0
        for _ in 0..<5_000 {
            let text = ExactText.normalized(Self.randomText(&rng))
            var json = ""
            ExportValue.jsonString(text, into: &json)
            let yaml = ExportValue.yamlScalar(text)
            for written in [json, yaml] {
                // Nothing the reader would fold or reject is ever written raw.
                #expect(
                    !written.unicodeScalars.contains { $0 != " " && ($0.value < 0x20 || ExactText.isForbidden($0)) }
                )
                if ExactText.firstForbidden(in: text) == nil {
                    let read = try Self.readBack(written)
                    #expect(read.map { ExactText.equals($0, text) } == true, "\(written.debugDescription)")
                    accepted += 1
                } else {
                    #expect(throws: DocumentError.self) { _ = try Self.readBack(written) }
                }
            }
        }
        #expect(accepted > 1_000)
    }

    @Test func plainYAMLIsUsedOnlyWhereEveryReaderAgrees() async {
        for text in ["cautious", "security_auditor", "read_file", "caf\u{E9}"] {
            #expect(ExportValue.yamlScalar(text) == text)
        }
        for text in ["yes", "No", "on", "OFF", "y", "null", "~", "true", "123", "1.5", "2024-01-01", "", " x", "a b"] {
            #expect(ExportValue.yamlScalar(text).hasPrefix("\""), "\(text)")
        }
    }

    @Test(arguments: PersonaFormat.allCases) func randomPersonasExportAndImportBackEqual(
        format: PersonaFormat
    ) async throws {
        var rng = SplitMix(state: 0xC0FFEE)
        var personas: [Persona] = []
        for index in 0..<200 {
            // Documents hold NFC text, so the personas written are normalized as a reader would.
            func text(_ isName: Bool, prefix: String = "") -> String {
                var text = Self.randomText(&rng)
                text.unicodeScalars.removeAll { ExactText.isForbidden($0) || (isName && $0.value < 0x20) }
                return ExactText.normalized(prefix + text)
            }
            var persona = samplePersona("p\(index)")
            persona.name = text(true, prefix: "n")
            persona.description = text(false)
            persona.backstory = Bool.random(using: &rng) ? text(false) : nil
            persona.expertise = (0..<Int.random(in: 0...3, using: &rng)).map { _ in text(true, prefix: "e") }
            persona.constraints.preferredTools = [text(true, prefix: "t")]
            persona.temperature = [nil, 0, 0.7, 1e-05, 2, 1.0000000000000002].randomElement(using: &rng)!
            personas.append(persona)
        }
        let decoded = try PersonaDocument.decode(PersonaDocument.encode(personas, as: format), file: "x")
        #expect(decoded.count == personas.count)
        for (read, written) in zip(decoded, personas) {
            #expect(read == written)
            #expect(read.description.unicodeScalars.elementsEqual(written.description.unicodeScalars))
            #expect(read.name.unicodeScalars.elementsEqual(written.name.unicodeScalars))
        }
    }

    @Test func reImportingAnUnchangedPersonaIsUnchanged() async throws {
        let directory = directories.make()
        var persona = samplePersona("spaced")
        persona.description = "tab\there, \"quotes\", crlf\r\nand a trailing space "
        persona.backstory = "caf\u{E9} \u{1F600} \\ back\\slash\n\n"
        let file = "\(directory)/p.yaml"
        write(try PersonaDocument.encode([persona], as: .yaml), to: file)
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: "\(directory)/store"))
        let first = try PersonaDocument.decode(try #require(read(file)), file: file)
        #expect(try await manager.importPersonas(first).map(\.action) == [.created])
        for _ in 0..<3 {
            let again = try PersonaDocument.decode(try #require(read(file)), file: file)
            #expect(try await manager.importPersonas(again).map(\.action) == [.unchanged])
        }
        #expect(try await manager.history("spaced").count == 1)
    }

    @Test func separatorsInADescriptionAreRejectedWithTheirPositionNotAltered() async throws {
        for escape in ["\\N", "\\L", "\\P", "\\x85", "\\u2028"] {
            let yaml =
                "id: a\nname: A\ndescription: \"x\(escape)y\"\npersonality: curious\ncommunication_style: casual\n"
            let error = await personaError { _ = try PersonaDocument.decode(yaml, file: "a.yaml") }
            #expect(error?.code == .invalidValue, "\(escape)")
            #expect(error?.location?.keyPath == "description")
            #expect(error?.message.contains("at character 2") == true)
        }
    }
}
