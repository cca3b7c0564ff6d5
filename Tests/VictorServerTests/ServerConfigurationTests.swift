import Foundation
import HTTPTypes
import Testing
import VictorRuntime
import VictorServer
import VictorTestSupport

@Suite struct ServerConfigurationTests {
    /// A file read from disk resolves its relative paths against its own directory.
    @Test func aFileOnDiskResolvesPathsAgainstItsDirectory() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/victor.yaml"
            try "server: {tokens: secrets/tokens.yaml}\n".write(toFile: path, atomically: true, encoding: .utf8)
            let configuration = try ServerConfiguration.load(contentsOf: path)
            #expect(configuration.tokensPath == directory + "/secrets/tokens.yaml")
            #expect(configuration.runtime.personaStorePath.hasPrefix(directory + "/"))
        }
    }

    @Test func defaultsServeLoopbackWithoutTokens() {
        let configuration = ServerConfiguration()
        #expect(configuration.listener.host == "127.0.0.1")
        #expect(configuration.listener.isLoopback)
        #expect(configuration.tokensPath == nil)
        #expect(configuration.runtime.authorizationPath == nil)
        #expect(configuration.limits.maxBodyBytes == 1 << 20)
        #expect(configuration.sessions.maxSessions == 10_000)
        #expect(configuration.shutdownDeadline == .seconds(10))
    }

    @Test func theServerSectionIsRead() throws {
        let configuration = try ServerConfiguration.parse(
            """
            authorization: authz.yaml
            server:
              host: 0.0.0.0
              port: 9000
              tokens: secrets/tokens.yaml
              shutdown_deadline_ms: 2500
              access_log: false
              limits: {max_body_bytes: 4096, max_depth: 8, max_batch: 50}
              sessions: {max_sessions: 3, idle_timeout_ms: 1000, max_pending_outcomes: 2}
            """,
            baseDirectory: "/etc/victor"
        )
        #expect(configuration.listener == ServerConfiguration.Listener(host: "0.0.0.0", port: 9000))
        #expect(configuration.tokensPath == "/etc/victor/secrets/tokens.yaml")
        #expect(configuration.runtime.authorizationPath == "/etc/victor/authz.yaml")
        #expect(configuration.shutdownDeadline == .milliseconds(2500))
        #expect(!configuration.accessLog)
        #expect(configuration.limits == ServerConfiguration.Limits(maxBodyBytes: 4096, maxDepth: 8, maxBatch: 50))
        #expect(configuration.sessions.maxSessions == 3)
        #expect(configuration.sessions.idleTimeout == .seconds(1))
        #expect(configuration.sessions.maxPendingOutcomes == 2)
    }

    @Test func everyProblemOfTheServerSectionIsReportedWithItsLocation() {
        #expect {
            try ServerConfiguration.parse(
                """
                server:
                  port: 70000
                  color: blue
                  limits: {max_depth: 100}
                """
            )
        } throws: { error in
            guard let error = error as? ServerError, error.code == .invalidConfiguration else { return false }
            return error.issues.count == 3
                && error.message.contains("victor.yaml:2:9: server.port")
                && error.message.contains("server.color")
                && error.message.contains("server.limits.max_depth")
        }
    }

    @Test func theRuntimeSectionsStillRefuseUnknownKeys() {
        #expect(throws: ServerError.self) {
            try ServerConfiguration.parse("servers: {}\n")
        }
    }
}
