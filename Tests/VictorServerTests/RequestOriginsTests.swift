import Foundation
import HTTPTypes
import Testing
import VictorTestSupport

@testable import VictorServer

@Suite struct RequestOriginsTests {
    let directories = TemporaryDirectories()
    static let check = #"{"user": "alice", "resource": "code", "action": "read"}"#

    struct Case: Sendable, CustomTestStringConvertible {
        var authenticated: Bool
        var origins: [String] = []
        var hosts: [String] = []
        var host: String?
        var origin: String?
        var answered: Bool
        var testDescription: String {
            "\(authenticated ? "tokens" : "no tokens"), Host \(host ?? "-"), Origin \(origin ?? "-")"
        }
    }

    @Test(arguments: [
        // Agents and command-line clients: no Origin, a loopback Host (any port) or none.
        Case(authenticated: false, host: "127.0.0.1:8080", answered: true),
        Case(authenticated: false, host: "LOCALHOST:1", answered: true),
        Case(authenticated: false, host: "[::1]:8080", answered: true),
        Case(authenticated: false, host: "[::1]", answered: true),
        Case(authenticated: false, host: nil, answered: true),
        // DNS rebinding: a page's own name resolved to loopback.
        Case(authenticated: false, host: "attacker.example:8080", answered: false),
        Case(authenticated: false, host: "localhost.attacker.example", answered: false),
        Case(authenticated: false, host: "127.0.0.1.nip.io:8080", answered: false),
        Case(authenticated: false, host: "127.0.0.1:8080@attacker.example", answered: false),
        Case(authenticated: false, host: "[::1]x:80", answered: false),
        Case(authenticated: false, hosts: ["victor.internal"], host: "victor.internal:9000", answered: true),
        Case(authenticated: false, hosts: ["victor.internal:9000"], host: "victor.internal:9001", answered: false),
        // With tokens a page has none to send: hosts are checked only when configured.
        Case(authenticated: true, host: "victor.example.com", answered: true),
        Case(authenticated: true, hosts: ["victor.internal"], host: "victor.example.com", answered: false),
        // Pages: loopback origins, and those configured.
        Case(authenticated: false, host: "127.0.0.1:8080", origin: "http://127.0.0.1:8080", answered: true),
        Case(authenticated: false, host: "localhost:8080", origin: "https://localhost:3000/", answered: true),
        Case(authenticated: false, host: "127.0.0.1:8080", origin: "http://[::1]:5173", answered: true),
        Case(authenticated: false, host: "127.0.0.1:8080", origin: "http://attacker.example", answered: false),
        Case(authenticated: false, host: "127.0.0.1:8080", origin: "null", answered: false),
        Case(
            authenticated: false,
            host: "127.0.0.1:8080",
            origin: "http://localhost.attacker.example",
            answered: false
        ),
        Case(
            authenticated: false,
            host: "127.0.0.1:8080",
            origin: "http://127.0.0.1@attacker.example",
            answered: false
        ),
        Case(authenticated: false, host: "127.0.0.1:8080", origin: "file://", answered: false),
        Case(authenticated: true, host: "victor.example.com", origin: "https://attacker.example", answered: false),
        Case(
            authenticated: true,
            origins: ["https://Console.Example.com"],
            host: "victor.example.com",
            origin: "https://console.example.com",
            answered: true
        ),
        Case(
            authenticated: true,
            origins: ["https://console.example.com"],
            host: "victor.example.com",
            origin: "http://console.example.com",
            answered: false
        ),
    ])
    func requestsAreAnsweredOnlyFromTheirOwnPagesAndNames(_ example: Case) {
        let origins = RequestOrigins(
            allowedOrigins: example.origins,
            allowedHosts: example.hosts,
            authenticated: example.authenticated
        )
        var refusal: ServerError?
        do {
            try origins.check(host: example.host, origin: example.origin)
        } catch {
            refusal = error
        }
        #expect((refusal == nil) == example.answered, "\(refusal?.message ?? "answered")")
        if let refusal { #expect(refusal.code == .forbidden) }
    }

    @Test func aServerWithoutTokensRefusesOtherHostsAndPages() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let direct = try await client.with(authority: "127.0.0.1:\(client.port)").post(
                "/v1/authz/check",
                Self.check
            )
            #expect(direct.status == 200)

            let rebound = client.with(authority: "attacker.example:\(client.port)")
            for reply in [
                try await rebound.post("/v1/authz/check", Self.check),
                try await rebound.get("/v1/authz/configuration"),
                try await rebound.get("/metrics"),
                try await rebound.post("/mcp", #"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#),
            ] {
                #expect(reply.status == 403)
                #expect(reply.errorCode == "forbidden")
                #expect(reply.text.contains("server.allowed_hosts"), "\(reply.text)")
            }

            let page = try await client.post(
                "/v1/sessions",
                #"{"user": "alice", "persona": "debugger"}"#,
                headers: ["Origin": "https://attacker.example"]
            )
            #expect(page.status == 403)
            #expect(page.text.contains("server.allowed_origins"), "\(page.text)")
            let local = try await client.post(
                "/v1/authz/check",
                Self.check,
                headers: ["Origin": "http://localhost:\(client.port)"]
            )
            #expect(local.status == 200)
        }
    }

    @Test func aServerWithTokensAnswersAnyHostButRefusesOtherPages() async throws {
        try await withSampleServer(directories, tokens: true) { _, client, _ in
            let named = client.with(token: Samples.decideToken).with(authority: "victor.example.com:\(client.port)")
            let reply = try await named.post("/v1/authz/check", Self.check)
            #expect(reply.status == 200, "\(reply.text)")
            let page = try await named.post(
                "/v1/authz/check",
                Self.check,
                headers: ["Origin": "https://attacker.example"]
            )
            #expect(page.status == 403)
            #expect(page.text.contains("server.allowed_origins"), "\(page.text)")
        }
    }

    @Test func configuredOriginsAndHostsAreAnswered() async throws {
        let extra = "\n  allowed_origins: [https://console.example.com]\n  allowed_hosts: [victor.internal]"
        try await withSampleServer(directories, extraServer: extra) { server, client, _ in
            #expect(server.configuration.allowedOrigins == ["https://console.example.com"])
            let named = client.with(authority: "victor.internal:\(client.port)")
            let reply = try await named.post(
                "/v1/authz/check",
                Self.check,
                headers: ["Origin": "https://console.example.com"]
            )
            #expect(reply.status == 200, "\(reply.text)")
            let other = try await named.post(
                "/v1/authz/check",
                Self.check,
                headers: ["Origin": "https://other.example"]
            )
            #expect(other.status == 403)
        }
    }

    @Test(arguments: [
        ("allowed_origins: [console.example.com]", "server.allowed_origins[0]", "starts with http:// or https://"),
        ("allowed_origins: ['https://*.example.com']", "server.allowed_origins[0]", "no path, user, wildcard"),
        ("allowed_origins: [https://example.com/app]", "server.allowed_origins[0]", "no path, user, wildcard"),
        ("allowed_origins: https://example.com", "server.allowed_origins", "expected a list"),
        ("allowed_hosts: [victor.internal, 'a b']", "server.allowed_hosts[1]", "no path, user, wildcard or space"),
        ("allowed_hosts: ['']", "server.allowed_hosts[0]", "must not be empty"),
    ])
    func badOriginsAndHostsAreConfigurationErrors(setting: String, path: String, message: String) throws {
        let text = "server:\n  \(setting)\n"
        var failure: ServerError?
        do {
            _ = try ServerConfiguration.parse(text)
        } catch {
            failure = error
        }
        #expect(failure?.code == .invalidConfiguration)
        #expect(failure?.message.contains("victor.yaml:2") == true, "\(failure?.message ?? "accepted")")
        #expect(failure?.message.contains(path) == true, "\(failure?.message ?? "accepted")")
        #expect(failure?.message.contains(message) == true, "\(failure?.message ?? "accepted")")
    }
}
