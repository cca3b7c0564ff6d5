import Foundation
import Testing
import VictorCommandLine
import VictorPersonas
import VictorTestSupport

/// The `victor persona` command's answers to bad input and a damaged store, run as the built
/// executable so that exit codes and messages are what a user sees (issue 9).
@Suite struct PersonaCommandErrorTests {
    let directories = TemporaryDirectories()

    static let one = "id: a\nname: A\npersonality: curious\ncommunication_style: casual\n"

    /// Text no message may contain: Swift and Foundation error dumps.
    static let dumps = ["NSCocoaErrorDomain", "Error Domain=", "ParserError(", "Optional(", "UserInfo="]

    func expectPlain(_ run: VictorRun, sourceLocation: SourceLocation = #_sourceLocation) {
        for dump in Self.dumps {
            #expect(!run.standardError.contains(dump), "\(run.standardError)", sourceLocation: sourceLocation)
        }
    }

    @Test func standardInputAndPipesAreReadable() async throws {
        let root = directories.make()
        let run = try runVictor(["persona", "import", "/dev/stdin", "--store", "\(root)/store"], input: Self.one)
        #expect(run.status == 0)
        #expect(run.standardOutput == "created a (version 1)\n")
        let again = try runVictor(["persona", "import", "/dev/fd/0", "--store", "\(root)/store"], input: Self.one)
        #expect(again.status == 0)
        #expect(again.standardOutput == "unchanged a (version 1)\n")
    }

    @Test func aDirectoryAsInputIsBadInputWithAPlainMessage() async throws {
        let root = directories.make()
        let run = try runVictor(["persona", "import", root, "--store", "\(root)/store"])
        #expect(run.status == 2)
        #expect(run.standardError == "error: \(root): is a directory, not a file; nothing was imported\n")
        let missing = try runVictor(["persona", "import", "\(root)/missing.yaml", "--store", "\(root)/store"])
        #expect(missing.status == 2)
        #expect(missing.standardError == "error: \(root)/missing.yaml: no such file; nothing was imported\n")
    }

    @Test func anEmptyDocumentImportsNothingAndSaysSo() async throws {
        let root = directories.make()
        write("[]\n", to: "\(root)/empty.yaml")
        let run = try runVictor(["persona", "import", "\(root)/empty.yaml", "--store", "\(root)/store"])
        #expect(run.status == 2)
        #expect(
            run.standardError == "error: \(root)/empty.yaml: holds no personas; nothing was imported [invalidValue]\n"
        )
    }

    @Test func aStorePathThatIsEmptyOrAFileIsBadInput() async throws {
        let root = directories.make()
        write("x", to: "\(root)/file")
        let empty = try runVictor(["persona", "list", "--store", ""])
        #expect(empty.status == 2)
        #expect(empty.standardError.hasPrefix("Error: --store is empty; name the persona store's directory\n"))
        expectPlain(empty)
        let file = try runVictor(["persona", "list", "--store", "\(root)/file"])
        #expect(file.status == 2)
        #expect(file.standardOutput.isEmpty)
        #expect(file.standardError.hasPrefix("Error: --store \(root)/file is not a directory\n"))
    }

    @Test func negativeVersionsAreOutOfRangeNotMissing() async throws {
        let run = try runVictor(["persona", "show", "debugger", "--version", "-1"])
        #expect(run.status == 2)
        #expect(run.standardError.hasPrefix("Error: --version must be 1 or more, not -1\n"))
        #expect(!run.standardError.contains("Missing value"))
    }

    @Test func mergingAPersonaWithItselfIsBadInput() async throws {
        let root = directories.make()
        let run = try runVictor(["persona", "merge", "debugger", "debugger", "--name", "X", "--store", root])
        #expect(run.status == 2)
        #expect(
            run.standardError
                == "error: 'debugger' is named more than once; merging needs distinct personas [invalidArgument]\n"
        )
        let del = try runVictor([
            "persona", "merge", "debugger", "devops_engineer", "--name", "Ops\u{7F}Debugger", "--store", root,
        ])
        #expect(del.status == 2)
        #expect(del.standardError.contains("name: contains U+007F at character 4"))
        #expect(try await DirectoryPersonaStore(directory: root).list().isEmpty)
    }

    @Test func unreadableStoredFilesAreNamedWhileTheRestIsListed() async throws {
        let root = directories.make()
        let store = "\(root)/store"
        try await DirectoryPersonaStore(directory: store).save(samplePersona("mine"), expectedVersion: 0)
        write("garbage: [", to: "\(store)/zz.json")
        let list = try runVictor(["persona", "list", "--store", store])
        #expect(list.status == 1)
        #expect(list.standardOutput.contains("mine\tv1\tPersona mine\tcautious/formal\n"))
        #expect(list.standardOutput.contains("debugger\tv1"))
        let errors = list.standardError.split(separator: "\n")
        #expect(errors.count == 2)
        #expect(errors.first?.hasPrefix("error: \(store)/zz.json:") == true)
        #expect(errors.last == "error: 1 stored persona file could not be read; the others are listed")

        let export = try runVictor(["persona", "export", "--all", "--store", store, "--output", "\(root)/all.yaml"])
        #expect(export.status == 1)
        #expect(export.standardError.contains("\(store)/zz.json"))
        #expect(
            try PersonaDocument.decode(try #require(read("\(root)/all.yaml")), file: "all.yaml").contains {
                $0.id == "mine"
            }
        )

        let suggest = try runVictor(["persona", "suggest", "audit the security", "--store", store])
        #expect(suggest.status == 1)
        #expect(suggest.standardOutput.contains("security_auditor"))
        #expect(suggest.standardError.contains("\(store)/zz.json"))
        expectPlain(suggest)
    }

    @Test func aPlantedLinkIsRefusedByTheCommand() async throws {
        let root = directories.make()
        let store = "\(root)/store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(store)/.lock", withDestinationPath: "\(root)/created")
        write(Self.one, to: "\(root)/a.yaml")
        let run = try runVictor(["persona", "import", "\(root)/a.yaml", "--store", store])
        #expect(run.status == 1)
        #expect(
            run.standardError
                == "error: \(store)/.lock: is a symbolic link, which the store never follows; nothing was imported [damaged]\n"
        )
        #expect(!FileManager.default.fileExists(atPath: "\(root)/created"))
    }

    @Test func deeplyNestedTemplatesAndExhaustedVersionsAreBadInput() async throws {
        let root = directories.make()
        let store = "\(root)/store"
        let deep = String(repeating: "{{#a}}", count: 4000) + String(repeating: "{{/a}}", count: 4000)
        write(Self.one + "prompt_templates:\n  system_prompt: \"\(deep)\"\n", to: "\(root)/deep.yaml")
        let nested = try runVictor(["persona", "import", "\(root)/deep.yaml", "--store", store])
        #expect(nested.status == 2)
        #expect(
            nested.standardError.contains("line 1, column 193 of the template: sections are nested more than 32 deep")
        )

        write(Self.one + "version: 9223372036854775807\n", to: "\(root)/top.yaml")
        write(
            Self.one.replacingOccurrences(of: "name: A", with: "name: B") + "version: 9223372036854775807\n",
            to: "\(root)/changed.yaml"
        )
        #expect(try runVictor(["persona", "import", "\(root)/top.yaml", "--store", store]).status == 0)
        let changed = try runVictor(["persona", "import", "\(root)/changed.yaml", "--store", store])
        #expect(changed.status == 2)
        #expect(changed.standardError.contains("the largest there is"))
        #expect(changed.standardError.contains("nothing was imported"))
        #expect(try await DirectoryPersonaStore(directory: store).persona(id: "a")?.name == "A")
    }

    @Test func forbiddenCharactersAreRejectedBeforeTheStoreIsTouched() async throws {
        let root = directories.make()
        let store = "\(root)/store"
        for (name, value) in [
            ("del", "a\\x7fb"), ("c1", "a\\x80b"), ("nel", "a\\Nb"), ("ls", "a\\Lb"), ("ffff", "a\\uFFFFb"),
        ] {
            write(Self.one + "description: \"\(value)\"\n", to: "\(root)/\(name).yaml")
            let run = try runVictor(["persona", "import", "\(root)/\(name).yaml", "--store", store])
            #expect(run.status == 2, "\(name)")
            #expect(
                run.standardError.contains("description: contains the forbidden character U+"),
                "\(name): \(run.standardError)"
            )
        }
        #expect(try await DirectoryPersonaStore(directory: store).list().isEmpty)
    }

    @Test func namesAndValuesCannotForgeLinesOfOutput() async throws {
        let forged = try runVictor(["persona", "show", "x\nerror: 99 passed, 0 failed"])
        #expect(forged.status == 2)
        #expect(forged.standardError.split(separator: "\n").count == 1)
        #expect(forged.standardError.contains("'x\\nerror: 99 passed, 0 failed'"))
        let root = directories.make()
        let adapt = try runVictor([
            "persona", "adapt", "debugger", "--context", "note=ok]\nforged line", "--store", root,
        ])
        #expect(adapt.status == 0)
        #expect(!adapt.standardOutput.split(separator: "\n").contains { $0.hasPrefix("forged line") })
    }

    @Test func inProcessRunsPrintWhatTheExecutablePrints() async throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        write("[]", to: "\(root)/empty.yaml")
        for arguments in [
            ["persona", "import", "\(root)/empty.yaml", "--store", root],
            ["persona", "import", root, "--store", "\(root)/s"],
            ["persona", "show", "debugger", "--version", "-1"],
            ["persona", "list", "--store", ""],
            ["persona", "list", "--store", "\(root)/empty.yaml"],
            ["persona", "merge", "debugger", "debugger", "--name", "X", "--store", root],
            ["persona", "show", "debugger", "--store", root],
        ] {
            let inProcess = await victor(arguments)
            let executable = try runVictor(arguments)
            #expect(inProcess.status == executable.status, "\(arguments)")
            #expect(inProcess.standardOutput == executable.standardOutput, "\(arguments)")
            #expect(inProcess.standardError == executable.standardError, "\(arguments)")
        }
        write("garbage: [", to: "\(root)/zz.json")
        let list = await victor(["persona", "list", "--store", root])
        #expect(list.status == 1)
        #expect(list.errorLines.last == "error: 1 stored persona file could not be read; the others are listed")
        let show = await victor(["persona", "show", "zz", "--store", root])
        #expect(show.status == 1)
        #expect(show.errorLines.count == 1)
        #expect(show.standardError.hasPrefix("error: \(root)/zz.json:"))
    }
}
