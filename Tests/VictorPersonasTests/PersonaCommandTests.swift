import Foundation
import Testing
import VictorCommandLine
import VictorPersonas
import VictorTestSupport

@Suite struct PersonaCommandTests {
    let directories = TemporaryDirectories()

    static let good = """
        personas:
          auditor:
            name: Auditor
            description: Careful reviewer
            personality: cautious
            communication_style: formal
            expertise: [security]
            constraints:
              forbidden_tools: [shell]
          helper:
            name: Helper
            personality: supportive
            communication_style: casual
        """

    @Test func importListShowHistoryExport() async throws {
        let root = directories.make()
        let store = "\(root)/store"
        write(Self.good, to: "\(root)/good.yaml")
        #expect(await VictorCommand.runMain(["persona", "import", "\(root)/good.yaml", "--store", store]) == 0)
        #expect(FileManager.default.fileExists(atPath: "\(store)/auditor.json"))
        #expect(await VictorCommand.runMain(["persona", "list", "--store", store, "--format", "json"]) == 0)
        #expect(await VictorCommand.runMain(["persona", "show", "auditor", "--store", store, "--format", "json"]) == 0)
        #expect(await VictorCommand.runMain(["persona", "show", "auditor", "--version", "1", "--store", store]) == 0)
        #expect(await VictorCommand.runMain(["persona", "show", "auditor", "--version", "7", "--store", store]) == 1)
        #expect(await VictorCommand.runMain(["persona", "history", "auditor", "--store", store]) == 0)
        #expect(await VictorCommand.runMain(["persona", "show", "ghost", "--store", store]) == 1)

        for format in ["yaml", "json"] {
            let exported = "\(root)/export.\(format)"
            let arguments = [
                "persona", "export", "auditor", "helper", "--store", store, "--format", format, "--output", exported,
            ]
            #expect(await VictorCommand.runMain(arguments) == 0)
            let other = "\(root)/other-\(format)"
            #expect(await VictorCommand.runMain(["persona", "import", exported, "--store", other]) == 0)
            let original = try await DirectoryPersonaStore(directory: store).list()
            #expect(try await DirectoryPersonaStore(directory: other).list() == original)
        }
        #expect(await VictorCommand.runMain(["persona", "export", "--store", store]) == 2)
        #expect(
            await VictorCommand.runMain([
                "persona", "export", "--all", "--store", store, "--output", "\(root)/all.yaml",
            ]) == 0
        )
        #expect(try PersonaDocument.decode(contentsOf: "\(root)/all.yaml").count >= 12)
    }

    @Test func badInputExitsTwoAndImportsNothing() async throws {
        let root = directories.make()
        let store = "\(root)/store"
        write(Self.good, to: "\(root)/good.yaml")
        write(
            "- {id: x, name: X, personality: curious, communication_style: casual, constraints: {forbidden_tools: shell}}\n",
            to: "\(root)/bad.yaml"
        )
        #expect(
            await VictorCommand.runMain([
                "persona", "import", "\(root)/good.yaml", "\(root)/bad.yaml", "--store", store,
            ]) == 2
        )
        #expect(try await DirectoryPersonaStore(directory: store).list().isEmpty)
        #expect(read("\(root)/bad.yaml")?.contains("shell") == true)
        #expect(await VictorCommand.runMain(["persona", "import", "\(root)/missing.yaml", "--store", store]) == 2)
        write(Self.good, to: "\(root)/again.yaml")
        #expect(
            await VictorCommand.runMain([
                "persona", "import", "\(root)/good.yaml", "\(root)/again.yaml", "--store", store,
            ]) == 2
        )
        #expect(
            await VictorCommand.runMain(["persona", "adapt", "debugger", "--context", "oops", "--store", store]) == 2
        )
    }

    @Test func adaptPromptMergeSuggest() async throws {
        let root = directories.make()
        let store = "\(root)/store"
        let adapt = [
            "persona", "adapt", "debugger", "--context", "task_type=security_review", "--context", "urgency=high",
            "--store", store,
        ]
        #expect(await VictorCommand.runMain(adapt) == 0)
        #expect(await VictorCommand.runMain(adapt + ["--format", "json"]) == 0)
        #expect(
            await VictorCommand.runMain([
                "persona", "prompt", "mentor", "--context", "user_preference=thorough", "--store", store,
            ]) == 0
        )
        #expect(
            await VictorCommand.runMain(["persona", "suggest", "audit the security of the API", "--store", store]) == 0
        )
        #expect(
            await VictorCommand.runMain(["persona", "suggest", "debug it", "--format", "json", "--store", store]) == 0
        )
        let merge = [
            "persona", "merge", "debugger", "devops_engineer", "--name", "Ops Debugger", "--id", "opsdebug", "--store",
            store,
        ]
        #expect(await VictorCommand.runMain(merge) == 0)
        #expect(try await DirectoryPersonaStore(directory: store).persona(id: "opsdebug")?.name == "Ops Debugger")
        #expect(await VictorCommand.runMain(merge) == 1)
        #expect(
            await VictorCommand.runMain([
                "persona", "merge", "security_auditor", "writer", "--name", "X", "--store", store,
            ]) == 1
        )
        #expect(await VictorCommand.runMain(["persona", "merge", "debugger", "--name", "X", "--store", store]) == 2)
        #expect(await VictorCommand.runMain(["persona", "adapt", "ghost", "--store", store]) == 1)
    }
}
