import Foundation
import HTTPTypes
import Testing
import VictorRuntime
import VictorServer
import VictorTestSupport

@Suite struct AuthenticationTests {
    let directories = TemporaryDirectories()
    static let check = #"{"user": "alice", "resource": "code", "action": "read"}"#

    @Test func tokensDecideWhatEachRouteAllows() async throws {
        try await withSampleServer(directories, tokens: true) { _, client, _ in
            let none = try await client.post("/v1/authz/check", Self.check)
            #expect(none.status == 401)
            #expect(none.errorCode == "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")

            let wrong = try await client.with(token: "not-a-token").post("/v1/authz/check", Self.check)
            #expect(wrong.status == 401)

            let malformed = try await client.send(
                .post,
                "/v1/authz/check",
                Self.check,
                headers: ["Authorization": "Basic abc"]
            )
            #expect(malformed.status == 401)

            let decider = client.with(token: Samples.decideToken)
            #expect(try await decider.post("/v1/authz/check", Self.check).status == 200)
            let write = try await decider.put("/v1/authz/configuration", "{}", headers: ["If-Match": "\"1\""])
            #expect(write.status == 403)
            #expect(write.errorCode == "forbidden")

            let administrator = client.with(token: Samples.adminToken)
            #expect(try await administrator.post("/v1/authz/check", Self.check).status == 403)

            let both = client.with(token: Samples.bothToken)
            #expect(try await both.post("/v1/authz/check", Self.check).status == 200)

            // Health and metrics stay open for probes and scrapers.
            #expect(try await client.get("/health/live").status == 200)
            #expect(try await client.get("/metrics").status == 200)
        }
    }

    /// A reload puts the file's tokens in force, all or nothing: a revoked token gets 401 from
    /// the next request on, a new one is accepted, and an invalid file keeps the tokens in force.
    @Test func aReloadedTokensFileRevokesAndAddsTokens() async throws {
        try await withSampleServer(directories, tokens: true) { server, client, root in
            let decider = client.with(token: Samples.decideToken)
            #expect(try await decider.post("/v1/authz/check", Self.check).status == 200)
            let newcomer = "new-token-0123456789"
            let rotated = """
                tokens:
                  - {name: newcomer, sha256: \(AccessTokens.digest(of: newcomer)), scopes: [decide]}
                """
            try rotated.write(toFile: root + "/tokens.yaml", atomically: true, encoding: .utf8)
            let count = try server.reloadTokens()
            #expect(count == 1)
            #expect(try await decider.post("/v1/authz/check", Self.check).status == 401)
            #expect(try await client.with(token: newcomer).post("/v1/authz/check", Self.check).status == 200)

            try "tokens:\n  - {name: broken, scopes: [decide]}\n".write(
                toFile: root + "/tokens.yaml",
                atomically: true,
                encoding: .utf8
            )
            #expect(throws: ServerError.self) { try server.reloadTokens() }
            #expect(try await client.with(token: newcomer).post("/v1/authz/check", Self.check).status == 200)
            #expect(try await decider.post("/v1/authz/check", Self.check).status == 401)

            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"victor_server_token_reloads_total{result="succeeded"} 1"#))
            #expect(metrics.contains(#"victor_server_token_reloads_total{result="failed"} 1"#))
        }
    }

    @Test func withoutATokensFileAReloadHasNothingToRead() async throws {
        try await withSampleServer(directories) { server, client, _ in
            let count = try server.reloadTokens()
            #expect(count == nil)
            #expect(try await client.post("/v1/authz/check", Self.check).status == 200)
        }
    }

    @Test func tokensFileKeepsOnlyDigestsAndComparesThem() throws {
        let tokens = try AccessTokens.parse(Samples.tokens)
        #expect(tokens.entries.count == 3)
        #expect(tokens.entry(for: Samples.decideToken)?.scopes == .decide)
        #expect(tokens.entry(for: Samples.bothToken)?.scopes == [.decide, .admin])
        #expect(tokens.entry(for: Samples.decideToken + "x") == nil)
        #expect(tokens.entry(for: "") == nil)
        #expect(AccessTokens.digest(of: "test") == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    }

    @Test func aBadTokensFileIsRefusedWithEveryProblem() {
        let text = """
            tokens:
              - {name: a, sha256: nothex, scopes: [decide]}
              - {name: b, sha256: \(AccessTokens.digest(of: "b")), scopes: [root]}
              - {sha256: \(AccessTokens.digest(of: "c")), scopes: [admin]}
            """
        #expect {
            try AccessTokens.parse(text, file: "tokens.yaml")
        } throws: { error in
            guard let error = error as? ServerError else { return false }
            return error.code == .invalidConfiguration && error.issues.count == 3
                && error.message.contains("tokens.yaml:2:")
        }
    }

    @Test func withoutTokensOnlyLoopbackIsServed() async throws {
        var configuration = ServerConfiguration()
        configuration.runtime.personaStorePath = directories.make() + "/personas"
        configuration.listener = ServerConfiguration.Listener(host: "0.0.0.0", port: 0)
        await #expect {
            _ = try await VictorServer.make(configuration, accessLog: nil)
        } throws: { error in
            (error as? ServerError)?.code == .insecureBinding
        }
        #expect(ServerConfiguration.Listener(host: "127.0.0.1").isLoopback)
        #expect(ServerConfiguration.Listener(host: "127.10.0.3").isLoopback)
        #expect(ServerConfiguration.Listener(host: "::1").isLoopback)
        #expect(ServerConfiguration.Listener(host: "localhost").isLoopback)
        #expect(!ServerConfiguration.Listener(host: "127.0.0.256").isLoopback)
        #expect(!ServerConfiguration.Listener(host: "10.0.0.1").isLoopback)
        #expect(!ServerConfiguration.Listener(host: "::").isLoopback)
    }
}
