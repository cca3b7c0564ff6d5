import Foundation
import Logging
import MCP
import Testing
import VictorAuthorization
import VictorMCP
import VictorPersonas
import VictorRuntime
import VictorTestSupport

/// The README's gateway example (victor.yaml, authz.yaml, personas.yaml) loads, and decides as
/// the README says.
@Suite struct ReadmeExampleTests {
    let directories = TemporaryDirectories()

    /// The YAML blocks of the README's `## MCP gateway` section, by the file their first line
    /// names (`# victor.yaml` → `victor.yaml`).
    static func exampleFiles() throws -> [String: String] {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md").path
        let text = try String(contentsOfFile: readme, encoding: .utf8)
        let start = try #require(text.range(of: "\n## MCP gateway"))
        let section = text[start.upperBound...]
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        var files: [String: String] = [:]
        for block in section[..<end].components(separatedBy: "```yaml\n").dropFirst() {
            let body = try #require(block.components(separatedBy: "```").first)
            let first = try #require(body.split(separator: "\n").first)
            guard first.hasPrefix("# ") else { continue }
            let name = String(first.dropFirst(2).prefix { $0 != " " })
            files[name] = body
        }
        return files
    }

    @Test func theReadmeGatewayExampleLoads() async throws {
        let files = try Self.exampleFiles()
        #expect(Set(files.keys).isSuperset(of: ["victor.yaml", "authz.yaml", "personas.yaml"]))
        let root = directories.make("victor-readme")
        for (name, body) in files {
            try body.write(toFile: root + "/" + name, atomically: true, encoding: .utf8)
        }
        let personas = try PersonaDocument.decode(contentsOf: root + "/personas.yaml")
        #expect(personas.map(\.id) == ["code_reviewer", "explainer"])
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: root + "/.victor/personas"))
        _ = try await manager.importPersonas(personas)

        let configuration = try MCPConfiguration.load(contentsOf: root + "/victor.yaml")
        #expect(configuration.upstreams.map(\.name) == ["files", "git"])
        #expect(configuration.user == "alice")
        #expect(configuration.persona == "code_reviewer")

        // Opening the session reads the authorization file and adapts the persona; no upstream
        // starts until a client lists or calls.
        let gateway = try await MCPGateway.make(
            configuration,
            logger: Logger(label: "readme") { _ in SwiftLogNoOpLogHandler() }
        )
        let authorizer = gateway.runtime.authorizer
        #expect(authorizer.check(user: "alice", resource: "tools/git.git_diff", action: "execute").allowed)
        #expect(!authorizer.check(user: "alice", resource: "tools/git.git_commit", action: "execute").allowed)
        #expect(authorizer.check(user: "bob", resource: "tools/git.git_commit", action: "execute").allowed)
        #expect(
            !authorizer.check(
                user: "alice",
                resource: "tools/files.read_file",
                action: "execute",
                context: ["args.path": .string(".env")]
            ).allowed
        )
        #expect(
            authorizer.check(
                user: "alice",
                resource: "tools/files.read_file",
                action: "execute",
                context: ["args.path": .string("README.md")]
            ).allowed
        )
        #expect(gateway.session.persona.base.constraints.forbiddenTools.contains("files.write_file"))
        let prompts = await gateway.listPrompts().map(\.name)
        #expect(Set(prompts) == ["code_reviewer", "explainer"])
        await gateway.shutdown()
    }
}
