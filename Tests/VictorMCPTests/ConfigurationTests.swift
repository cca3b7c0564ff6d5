import Testing
import VictorAuthorization
import VictorMCP
import VictorRuntime

/// The `mcp` section of `victor.yaml`: read through the strict document reader, every problem
/// reported with its location.
@Suite struct ConfigurationTests {
    @Test func readsUpstreamsAndSessionDefaults() throws {
        let configuration = try MCPConfiguration.parse(
            """
            mcp:
              max_running_upstreams: 2
              restart_backoff_ms: 100
              max_restart_backoff_ms: 800
              session: {user: alice, persona: worker, context: {env: dev, level: 3}}
              upstreams:
                - name: files
                  command: npx
                  args: ["-y", "server-filesystem", ""]
                  env: {NODE_ENV: production}
                  cwd: work
                  max_concurrent_calls: 2
                  policy_arguments: {read_file: [path]}
                - name: math
                  command: /usr/bin/python3
            """,
            baseDirectory: "/etc/victor"
        )
        #expect(configuration.maxRunningUpstreams == 2)
        #expect(configuration.restartBackoff == .milliseconds(100))
        #expect(configuration.maxRestartBackoff == .milliseconds(800))
        #expect(configuration.user == "alice")
        #expect(configuration.persona == "worker")
        #expect(configuration.context == ["env": .string("dev"), "level": .integer(3)])
        #expect(configuration.upstreams.map(\.name) == ["files", "math"])
        let files = configuration.upstreams[0]
        #expect(files.command == "npx")
        #expect(files.arguments == ["-y", "server-filesystem", ""])
        #expect(files.environment == ["NODE_ENV": "production"])
        #expect(files.workingDirectory == "/etc/victor/work")
        #expect(files.maxConcurrentCalls == 2)
        #expect(files.policyArguments == ["read_file": ["path"]])
        #expect(configuration.upstreams[1].arguments.isEmpty)
    }

    @Test func noSectionMeansNoUpstreams() throws {
        let configuration = try MCPConfiguration.parse("limits: {call_timeout_ms: 1000}\n")
        #expect(configuration.upstreams.isEmpty)
        #expect(configuration.runtime.callTimeout == .milliseconds(1000))
    }

    /// Every problem, each with its file, line, column and key path.
    @Test func problemsAreReportedWithTheirLocations() {
        let text = """
            mcp:
              max_running_upstreams: 0
              upstreams:
                - name: my.files
                  command: npx
                - name: math
                - name: ok
                  command: x
                  colour: blue
                - name: ok
                  command: y
                  args: [1]
            """
        #expect {
            try MCPConfiguration.parse(text, file: "victor.yaml")
        } throws: { error in
            guard let error = error as? MCPGatewayError, error.code == .invalidConfiguration else { return false }
            let lines = error.message.split(separator: "\n").map(String.init)
            let expected = [
                "victor.yaml:2:26: mcp.max_running_upstreams:",
                "victor.yaml:4:13: mcp.upstreams[0].name:",
                "victor.yaml:6:7: mcp.upstreams[1]: an upstream needs a command",
                "victor.yaml:9:7: mcp.upstreams[2].colour: unknown key",
                "victor.yaml:10:13: mcp.upstreams[3].name: an upstream named 'ok' is defined twice",
            ]
            return expected.allSatisfy { prefix in lines.contains { $0.hasPrefix(prefix) } }
        }
    }

    @Test func anUnknownKeyInTheSectionIsAnError() {
        #expect(throws: MCPGatewayError.self) {
            try MCPConfiguration.parse("mcp:\n  upstream: []\n")
        }
    }
}
