import Foundation
import Testing
import VictorPersonas

/// Hostile persona documents end in a located error, never a hang or a crash.
@Suite struct PersonaDocumentBoundsTests {
    func error(_ text: String) -> PersonaError? {
        do {
            _ = try PersonaDocument.decode(text, file: "p.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func anAliasBombUsedAsAKeyIsRefused() async {
        var text = "a0: &a0 [x, x]\n"
        for level in 1...39 { text += "a\(level): &a\(level) [*a\(level - 1), *a\(level - 1)]\n" }
        text += "? *a39\n: 1\n"
        let found = error(text)
        #expect(found?.code == .syntax)
        #expect(found?.location?.line != nil)
        #expect(found?.message.contains("expands to more than") == true)
    }

    @Test func aSixtyThousandLinkAliasChainIsRefused() async {
        var text = "a0: &a0 [x]\n"
        for level in 1...60_000 { text += "a\(level): &a\(level) [*a\(level - 1)]\n" }
        let found = error(text)
        #expect(found?.message.contains("nests deeper than 64 levels") == true)
    }

    @Test func forbiddenCharactersInAValueAreReportedWithTheirPosition() async {
        let text = "id: a\nname: A\ndescription: \"a\\x7fb\"\npersonality: curious\ncommunication_style: casual\n"
        let found = error(text)
        #expect(found?.location?.line == 3)
        #expect(found?.location?.keyPath == "description")
        #expect(found?.message == "contains the forbidden character U+007F at character 2")
    }

    @Test func lineSeparatorsInTheTextAreRefusedNotFolded() async {
        let text = "id: a\nname: A\ndescription: one\u{2028}two\npersonality: curious\ncommunication_style: casual\n"
        #expect(error(text)?.message == "the text holds the forbidden character U+2028")
    }

    @Test func pipesAndDevicesAreReadable() async throws {
        let pipe = Pipe()
        let text = "id: piped\nname: Piped\npersonality: curious\ncommunication_style: casual\n"
        pipe.fileHandleForWriting.write(Data(text.utf8))
        try pipe.fileHandleForWriting.close()
        let path = "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)"
        let personas = try PersonaDocument.decode(contentsOf: path)
        #expect(personas.map(\.id) == ["piped"])
    }

    @Test func aDirectoryIsAClearError() async {
        do {
            _ = try PersonaDocument.decode(contentsOf: "/tmp")
            Issue.record("read a directory")
        } catch {
            #expect(error.code == .io)
            #expect(error.message == "is a directory, not a file")
        }
    }
}
