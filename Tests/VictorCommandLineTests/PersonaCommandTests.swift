import Foundation
import Testing
import VictorCommandLine
import VictorPersonas

/// `victor persona list --format json`, decoded as a client would.
struct PersonaSummaryOutput: Decodable, Equatable {
    var id: String
    var name: String
    var version: Int
    var personality: String
    var communication_style: String
    var expertise: [String]
    var description: String
}

/// `victor persona adapt --format json`, decoded as a client would.
struct AdaptedPersonaOutput: Decodable {
    struct Constraints: Decodable, Equatable {
        var max_tool_calls: Int?
        var preferred_tools: [String]
        var forbidden_tools: [String]
        var response_length: String
        var explanation_depth: String
    }

    struct Adjustment: Decodable, Equatable {
        var rule: String
        var reason: String
        var changes: [String]
    }

    var id: String
    var version: Int
    var context: [String: String]
    var personality: String
    var communication_style: String
    var expertise: [String]
    var constraints: Constraints
    var adjustments: [Adjustment]
    var summary: String
}

/// `victor persona suggest --format json`, decoded as a client would.
struct SuggestionOutput: Decodable {
    var id: String
    var name: String
    var score: Double
    var reasons: [String]
}

@Suite struct PersonaCommandTests {
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
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        let store = "\(root)/store"
        write(Self.good, to: "\(root)/good.yaml")
        let imported = await victor(["persona", "import", "\(root)/good.yaml", "--store", store])
        #expect(imported.status == 0)
        #expect(imported.outputLines == ["created auditor (version 1)", "created helper (version 1)"])
        #expect(FileManager.default.fileExists(atPath: "\(store)/auditor.json"))
        let again = await victor(["persona", "import", "\(root)/good.yaml", "--store", store])
        #expect(again.outputLines == ["unchanged auditor (version 1)", "unchanged helper (version 1)"])

        let text = await victor(["persona", "list", "--store", store])
        #expect(text.status == 0)
        #expect(text.outputLines.contains("auditor\tv1\tAuditor\tcautious/formal"))
        #expect(text.outputLines.contains("helper\tv1\tHelper\tsupportive/casual"))
        let json = await victor(["persona", "list", "--store", store, "--format", "json"])
        #expect(json.status == 0)
        let summaries = try json.decodedOutput(as: [PersonaSummaryOutput].self)
        #expect(summaries.map(\.id) == text.outputLines.map { String($0.prefix { $0 != "\t" }) })
        #expect(
            summaries.first { $0.id == "auditor" }
                == PersonaSummaryOutput(
                    id: "auditor",
                    name: "Auditor",
                    version: 1,
                    personality: "cautious",
                    communication_style: "formal",
                    expertise: ["security"],
                    description: "Careful reviewer"
                )
        )

        let shown = await victor(["persona", "show", "auditor", "--store", store, "--format", "json"])
        #expect(shown.status == 0)
        #expect(try PersonaDocument.decode(shown.standardOutput, file: "shown.json").map(\.name) == ["Auditor"])
        let yaml = await victor(["persona", "show", "auditor", "--version", "1", "--store", store])
        #expect(yaml.status == 0)
        #expect(yaml.outputLines.first == "personas:")
        #expect(try PersonaDocument.decode(yaml.standardOutput, file: "shown.yaml").map(\.id) == ["auditor"])
        let noVersion = await victor(["persona", "show", "auditor", "--version", "7", "--store", store])
        #expect(noVersion.status == 1)
        #expect(noVersion.standardOutput.isEmpty)
        #expect(noVersion.errorLines.count == 1)
        let history = await victor(["persona", "history", "auditor", "--store", store])
        #expect(history.status == 0)
        #expect(history.outputLines.count == 1)
        #expect(history.outputLines.first?.hasPrefix("v1\t") == true)
        #expect(history.outputLines.first?.hasSuffix("\tAuditor") == true)
        let ghost = await victor(["persona", "show", "ghost", "--store", store])
        #expect(ghost.status == 1)
        #expect(ghost.standardError == "error: no persona 'ghost' [notFound]\n")

        for format in ["yaml", "json"] {
            let exported = "\(root)/export.\(format)"
            let arguments = [
                "persona", "export", "auditor", "helper", "--store", store, "--format", format, "--output", exported,
            ]
            let run = await victor(arguments)
            #expect(run.status == 0)
            #expect(run.standardOutput == "exported 2 personas to \(exported)\n")
            let other = "\(root)/other-\(format)"
            #expect(await victor(["persona", "import", exported, "--store", other]).status == 0)
            let original = try await DirectoryPersonaStore(directory: store).list()
            #expect(try await DirectoryPersonaStore(directory: other).list() == original)
        }
        let neither = await victor(["persona", "export", "--store", store])
        #expect(neither.status == 2)
        #expect(neither.standardError.hasPrefix("Error: name the ids to export, or pass --all (not both)"))
        let all = await victor(["persona", "export", "--all", "--store", store, "--output", "\(root)/all.yaml"])
        #expect(all.status == 0)
        #expect(try PersonaDocument.decode(contentsOf: "\(root)/all.yaml").count >= 12)
    }

    @Test func badInputExitsTwoAndImportsNothing() async throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        let store = "\(root)/store"
        write(Self.good, to: "\(root)/good.yaml")
        write(
            "- {id: x, name: X, personality: curious, communication_style: casual, constraints: {forbidden_tools: shell}}\n",
            to: "\(root)/bad.yaml"
        )
        let bad = await victor(["persona", "import", "\(root)/good.yaml", "\(root)/bad.yaml", "--store", store])
        #expect(bad.status == 2)
        #expect(bad.standardOutput.isEmpty)
        #expect(bad.errorLines.count == 1)
        #expect(bad.standardError.hasPrefix("error: \(root)/bad.yaml:1:"))
        #expect(bad.standardError.contains("forbidden_tools"))
        #expect(bad.standardError.contains("nothing was imported"))
        #expect(try await DirectoryPersonaStore(directory: store).list().isEmpty)
        let missing = await victor(["persona", "import", "\(root)/missing.yaml", "--store", store])
        #expect(missing.status == 2)
        #expect(missing.standardError == "error: \(root)/missing.yaml: no such file; nothing was imported\n")
        write(Self.good, to: "\(root)/again.yaml")
        let twice = await victor(["persona", "import", "\(root)/good.yaml", "\(root)/again.yaml", "--store", store])
        #expect(twice.status == 2)
        #expect(twice.standardError.contains("the persona 'auditor' is also defined in \(root)/good.yaml"))
        let context = await victor(["persona", "adapt", "debugger", "--context", "oops", "--store", store])
        #expect(context.status == 2)
        #expect(context.standardError.contains("--context 'oops' is not KEY=VALUE: it has no '='"))
        let duplicate = await victor(
            ["persona", "adapt", "debugger", "--context", "a=1", "--context", "a=2", "--store", store]
        )
        #expect(duplicate.status == 2)
        #expect(duplicate.standardError == "Error: --context 'a' is given twice\n")
    }

    @Test func adaptPrintsTheEffectiveTraitsAndWhy() async throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        let adapt = [
            "persona", "adapt", "debugger", "--context", "task_type=security_review", "--context", "urgency=high",
            "--store", root,
        ]
        let text = await victor(adapt)
        #expect(text.status == 0)
        #expect(
            Array(text.outputLines.prefix(4)) == [
                "Debugger (debugger v1) in context [task_type=security_review,urgency=high]",
                "personality: cautious",
                "communication style: concise",
                "expertise: debugging, troubleshooting, diagnostics, testing, security, vulnerabilities",
            ]
        )
        #expect(text.outputLines.contains("adjustment high_urgency: high urgency calls for concise, short answers"))
        #expect(text.outputLines.contains("  personality: methodical → cautious"))

        let json = await victor(adapt + ["--format", "json"])
        #expect(json.status == 0)
        let adapted = try json.decodedOutput(as: AdaptedPersonaOutput.self)
        #expect(adapted.id == "debugger")
        #expect(adapted.version == 1)
        #expect(adapted.context == ["task_type": "security_review", "urgency": "high"])
        #expect(adapted.personality == "cautious")
        #expect(adapted.communication_style == "concise")
        #expect(
            adapted.constraints
                == .init(
                    max_tool_calls: 50,
                    preferred_tools: ["read_file", "run_tests", "search"],
                    forbidden_tools: [],
                    response_length: "short",
                    explanation_depth: "detailed"
                )
        )
        #expect(adapted.adjustments.map(\.rule) == ["security_review", "high_urgency"])
        #expect(
            adapted.adjustments.last?.changes == [
                "communication_style: formal → concise", "response_length: long → short",
            ]
        )
        // A limit that is absent is `null`, not a missing key.
        let writer = await victor(["persona", "adapt", "writer", "--format", "json", "--store", root])
        #expect(writer.standardOutput.contains(#""max_tool_calls" : null"#))

        let ghost = await victor(["persona", "adapt", "ghost", "--store", root])
        #expect(ghost.status == 1)
        #expect(ghost.standardError == "error: no persona 'ghost' [notFound]\n")
    }

    @Test func promptMergeAndSuggest() async throws {
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        let store = "\(root)/store"
        let prompt = await victor(
            ["persona", "prompt", "mentor", "--context", "user_preference=thorough", "--store", store]
        )
        #expect(prompt.status == 0)
        #expect(
            prompt.outputLines.first
                == "You are Programming Mentor, an AI assistant with the following characteristics:"
        )

        let suggest = await victor(["persona", "suggest", "audit the security of the API", "--store", store])
        #expect(suggest.status == 0)
        #expect(suggest.outputLines.first?.hasPrefix("1.00\tsecurity_auditor\tcovers auditing, security") == true)
        let suggestJSON = await victor(["persona", "suggest", "debug it", "--format", "json", "--store", store])
        #expect(suggestJSON.status == 0)
        let suggestions = try suggestJSON.decodedOutput(as: [SuggestionOutput].self)
        #expect(suggestions.first?.id == "debugger")
        #expect(suggestions.first?.name == "Debugger")
        #expect(suggestions.allSatisfy { (0...1).contains($0.score) && !$0.reasons.isEmpty })
        let nothing = await victor(["persona", "suggest", "zzz", "--store", store])
        #expect(nothing.standardOutput == "no persona suits this task\n")

        let merge = [
            "persona", "merge", "debugger", "devops_engineer", "--name", "Ops Debugger", "--id", "opsdebug", "--store",
            store,
        ]
        let merged = await victor(merge)
        #expect(merged.status == 0)
        #expect(merged.standardOutput == "merged debugger, devops_engineer into opsdebug (version 1)\n")
        #expect(try await DirectoryPersonaStore(directory: store).persona(id: "opsdebug")?.name == "Ops Debugger")
        let exists = await victor(merge)
        #expect(exists.status == 1)
        #expect(exists.standardError == "error: a persona 'opsdebug' already exists [alreadyExists]\n")
        let incompatible = await victor(
            ["persona", "merge", "security_auditor", "writer", "--name", "X", "--store", store]
        )
        #expect(incompatible.status == 1)
        #expect(incompatible.standardError.hasSuffix("[incompatible]\n"))
        let one = await victor(["persona", "merge", "debugger", "--name", "X", "--store", store])
        #expect(one.status == 2)
        #expect(one.standardError.hasPrefix("Error: name at least two personas to merge"))
    }
}
