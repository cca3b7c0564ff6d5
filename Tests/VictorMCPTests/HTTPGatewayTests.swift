import Foundation
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The gateway over Streamable HTTP under `victor serve`, driven by the official Python MCP SDK's
/// `streamablehttp_client`: the session's user is the one the bearer token names.
extension GatewayTests {
    static let aliceToken = "alice-token-0123456789"
    static let bobToken = "bob-token-0123456789"
    static let anonymousToken = "anonymous-token-0123456789"

    /// Tokens for alice and bob, and one that names no user: the file holds their SHA-256
    /// digests (`printf %s TOKEN | sha256sum`).
    static let tokens = """
        tokens:
          - name: alice-agent
            sha256: 965b04f03a8200d4bff70f6df635c1d4d3e9c9a1d164d415efc95b9304bfbaf2
            scopes: [decide]
            user: alice
          - name: bob-agent
            sha256: 0357e24c1cb1874dde0773886097863f71ac666f63fba1e9d4c623b79ffda11f
            scopes: [decide]
            user: bob
          - name: nobody
            sha256: 802eb2241a72ad211ab2dd4112a50e25de7c03cf44c3a757e4cff2b3232c66b0
            scopes: [decide]
        """

    /// Runs `victor serve` for `setup` on an ephemeral loopback port, runs `body` with its
    /// `/mcp` URL, and stops the server (SIGTERM, then SIGKILL after five seconds) however
    /// `body` ends. The server's standard error goes to `serve.stderr` in the setup's directory,
    /// and its last lines are attached to an error `body` throws.
    func withServe<Value: Sendable>(_ setup: Setup, _ body: (String) async throws -> Value) async throws -> Value {
        let victor = try #require(Self.victor(), "the victor executable is built with the tests")
        let errorLog = setup.root + "/serve.stderr"
        let errorFile = try FileDescriptor.open(
            FilePath(errorLog),
            .writeOnly,
            options: [.create, .truncate],
            permissions: [.ownerReadWrite]
        )
        func withServerErrors(_ error: any Error) -> any Error {
            let text = (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? ""
            let tail = text.split(separator: "\n").suffix(20).joined(separator: "\n")
            return GatewayTestFailure("\(error)\nvictor serve's standard error, last lines:\n\(tail)")
        }
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        let outcome = try await Subprocess.run(
            .path(FilePath(victor)),
            arguments: ["serve", "--config", setup.configuration, "--port", "0"],
            workingDirectory: FilePath(setup.root),
            platformOptions: options,
            input: .none,
            output: .sequence,
            error: .fileDescriptor(errorFile, closeAfterSpawningProcess: true)
        ) { execution in
            var port: Int?
            for try await line in execution.standardOutput.strings() {
                if let range = line.range(of: "listening on http://127.0.0.1:") {
                    port = Int(line[range.upperBound...].prefix { $0.isNumber })
                    break
                }
            }
            guard let port else {
                await execution.teardown(using: options.teardownSequence)
                throw withServerErrors(GatewayTestFailure("victor serve did not start listening"))
            }
            do {
                let value = try await body("http://127.0.0.1:\(port)/mcp")
                await execution.teardown(using: options.teardownSequence)
                return value
            } catch {
                await execution.teardown(using: options.teardownSequence)
                throw withServerErrors(error)
            }
        }
        return outcome.closureResult
    }

    func httpSetUp(maxConcurrentCalls: Int = 8) async throws -> Setup {
        let setup = try await setUp(
            maxConcurrentCalls: maxConcurrentCalls,
            session: "session: {persona: worker}",
            more: """
                server:
                  host: 127.0.0.1
                  port: 0
                  access_log: false
                  tokens: tokens.yaml
                """
        )
        try Self.tokens.write(toFile: setup.root + "/tokens.yaml", atomically: true, encoding: .utf8)
        return setup
    }

    @Test func overHTTPEachTokensUserSeesAndCallsWhatTheGateAllows() async throws {
        let setup = try await httpSetUp()
        let (aliceJSON, bobJSON, nobodyStatus, nobodyBody) = try await withServe(setup) { url in
            let alice = try await client(
                [
                    "url": url, "headers": ["Authorization": "Bearer \(Self.aliceToken)"],
                    "calls": [
                        ["tool": "fx.echo", "arguments": ["text": "héllo"]],
                        ["tool": "fx.slow", "arguments": ["seconds": 0]],
                    ],
                ],
                setup: setup,
                user: "",
                persona: ""
            )
            let bob = try await client(
                [
                    "url": url, "headers": ["Authorization": "Bearer \(Self.bobToken)"],
                    "calls": [["tool": "fx.slow", "arguments": ["seconds": 0]]],
                ],
                setup: setup,
                user: "",
                persona: ""
            )
            let nobody = try await self.post(url, token: Self.anonymousToken)
            // As JSON: what the server's closure returns must be Sendable.
            return (
                try JSONSerialization.data(withJSONObject: alice), try JSONSerialization.data(withJSONObject: bob),
                nobody.status, nobody.body
            )
        }
        let alice = try #require(try JSONSerialization.jsonObject(with: aliceJSON) as? [String: Any])
        let bob = try #require(try JSONSerialization.jsonObject(with: bobJSON) as? [String: Any])
        // The persona forbids fail; a policy denies slow to alice, not to bob.
        let aliceTools = (alice["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let bobTools = (bob["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(aliceTools == ["fx.add", "fx.echo", "fx.exit", "fx.grow", "fx.prune", "fx.reshape"])
        #expect(bobTools == ["fx.add", "fx.echo", "fx.exit", "fx.grow", "fx.prune", "fx.reshape", "fx.slow"])

        let aliceResults = Self.results(alice)
        try #require(aliceResults.count == 2)
        #expect(!Self.isError(aliceResults[0]))
        #expect(Self.text(aliceResults[0]) == "héllo")
        #expect(Self.isError(aliceResults[1]))
        #expect(Self.text(aliceResults[1]).hasPrefix("denied at policy"))
        #expect(Self.text(aliceResults[1]).contains("alice-never-waits"))
        let bobResults = Self.results(bob)
        try #require(bobResults.count == 1)
        #expect(Self.text(bobResults[0]) == "done")

        // Alice's slow call never reached the upstream; bob's did, in the same upstream process:
        // the sessions share the server's upstreams.
        let calls = try setup.upstreamCalls()
        #expect(calls.map(\.tool).sorted() == ["echo", "slow"])
        #expect(Set(calls.map(\.pid)).count == 1, "one upstream process for both sessions: \(calls.map(\.pid))")

        // A token without a user cannot open an MCP session, and is told why.
        #expect(nobodyStatus == 403)
        #expect(nobodyBody.contains("names no user"))
    }

    /// Two sessions calling at once share the upstream and its bound: one process, never more
    /// than `max_concurrent_calls` in flight in it.
    @Test func overHTTPSessionsShareTheUpstreamAndItsBound() async throws {
        let setup = try await httpSetUp(maxConcurrentCalls: 2)
        // Four slow calls at once, in a session of bob's own.
        func session(_ url: String) async throws -> [String: Any] {
            let calls = (0..<4).map { _ -> [String: Any] in ["tool": "fx.slow", "arguments": ["seconds": 0.3]] }
            let spec: [String: Any] = [
                "url": url, "headers": ["Authorization": "Bearer \(Self.bobToken)"], "list": false,
                "steps": [["concurrent": calls]],
            ]
            return try await client(spec, setup: setup, user: "", persona: "")
        }
        let json = try await withServe(setup) { url in
            async let first = try JSONSerialization.data(withJSONObject: session(url))
            async let second = try JSONSerialization.data(withJSONObject: session(url))
            return [try await first, try await second]
        }
        for data in json {
            let output = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let steps = Self.steps(output)
            try #require(steps.count == 1)
            let results = steps[0]["results"] as? [[String: Any]] ?? []
            #expect(results.count == 4 && results.allSatisfy { Self.text($0) == "done" }, "\(results)")
        }
        let lines = try Self.logLines(setup)
        let inFlight = lines.compactMap { $0["inflight"] as? Int }
        #expect(inFlight.count == 8)
        #expect(inFlight.max() == 2, "calls in flight upstream as each started: \(inFlight)")
        #expect(Set(lines.compactMap { $0["pid"] as? Int }).count == 1)
    }

    @Test func overHTTPAReloadedAuthorizationTellsTheSessionAndChangesItsList() async throws {
        let setup = try await httpSetUp()
        let stricter =
            Self.authorization + """

                  - name: bob-never-echoes
                    effect: deny
                    resource: tools/fx.echo
                    action: execute
                    subjects: [bob]
                """
        let json = try await withServe(setup) { url in
            let output = try await client(
                [
                    "url": url, "headers": ["Authorization": "Bearer \(Self.bobToken)"], "list": false,
                    "steps": [
                        ["list": true],
                        ["call": ["tool": "fx.echo", "arguments": ["text": "before"]]],
                        ["write": setup.root + "/authz.yaml", "text": stricter],
                        // SIGHUP to victor serve, the parent of the upstream that logged the echo.
                        ["hangup": setup.upstreamLog],
                        ["waitForListChanged": 10],
                        ["list": true],
                    ],
                ],
                setup: setup,
                user: "",
                persona: ""
            )
            return try JSONSerialization.data(withJSONObject: output)
        }
        let output = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let steps = Self.steps(output)
        try #require(steps.count == 6)
        #expect(Self.names(steps[0]).contains("fx.echo"))
        #expect(Self.text(steps[1]) == "before")
        #expect(steps[4]["listChanged"] as? Bool == true)
        #expect(!Self.names(steps[5]).contains("fx.echo"))
        #expect(Self.names(steps[5]).contains("fx.add"))
    }

    @Test func anIdleHTTPSessionIsClosedWithoutANewSessionArriving() async throws {
        let setup = try await setUp(
            session: "session: {persona: worker}\n  http: {idle_timeout_ms: 1000}",
            more: """
                server:
                  host: 127.0.0.1
                  port: 0
                  access_log: false
                  tokens: tokens.yaml
                """
        )
        try Self.tokens.write(toFile: setup.root + "/tokens.yaml", atomically: true, encoding: .utf8)
        let (fresh, idle) = try await withServe(setup) { url in
            let opened = try await self.post(url, token: Self.aliceToken)
            let id = try #require(opened.session, "no Mcp-Session-Id in the answer to initialize")
            let initialized = #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#
            let fresh = try await self.post(url, token: Self.aliceToken, session: id, body: initialized)
            // Twice the idle timeout; the timer checks every second.
            try await Task.sleep(for: .milliseconds(2_500))
            let idle = try await self.post(url, token: Self.aliceToken, session: id, body: initialized)
            return (fresh.status, idle.status)
        }
        #expect(fresh == 202)
        #expect(idle == 404)
    }

    /// A message the strict reader refuses is answered 400 before the SDK reads it: here a
    /// tools/call naming its argument twice, which a lenient reader could take either way.
    @Test func overHTTPAMessageThatIsNotStrictJSONIsRefused() async throws {
        let setup = try await httpSetUp()
        let (duplicate, deep) = try await withServe(setup) { url in
            let opened = try await self.post(url, token: Self.bobToken)
            let id = try #require(opened.session, "no Mcp-Session-Id in the answer to initialize")
            let call =
                #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"fx.echo","#
                + #""arguments":{"text":"a","text":"b"}}}"#
            let duplicate = try await self.post(url, token: Self.bobToken, session: id, body: call)
            let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
            let deep = try await self.post(url, token: Self.bobToken, session: id, body: nested)
            return (duplicate, deep)
        }
        #expect(duplicate.status == 400)
        #expect(duplicate.body.contains("invalid_json") && duplicate.body.contains("text"), "\(duplicate.body)")
        #expect(deep.status == 400 && deep.body.contains("too_deep"), "\(deep.body)")
        #expect(try setup.upstreamCalls().isEmpty)
    }

    /// POSTs an initialize request to `url` with `token`; the status and body.
    /// POSTs `body` (an initialize request by default) to `url` with `token`, in `session` when
    /// given; the status, the body and the session id the answer names.
    func post(
        _ url: String,
        token: String,
        session: String? = nil,
        body: String =
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#
    ) async throws -> (status: Int, body: String, session: String?) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "POST"
        request.timeoutInterval = 10
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
        if let session { request.setValue(session, forHTTPHeaderField: "Mcp-Session-Id") }
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (
            http?.statusCode ?? 0, String(decoding: data, as: UTF8.self),
            http?.value(forHTTPHeaderField: "Mcp-Session-Id")
        )
    }
}

struct GatewayTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
