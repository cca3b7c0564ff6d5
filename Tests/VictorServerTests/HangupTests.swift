import Foundation
import Testing
import VictorRuntime
import VictorServer
import VictorTestSupport

/// SIGHUP to a running `victor serve`: the tokens file and the authorization file are read
/// again, so a token is revoked and a policy changed without a restart.
@Suite(.enabled(if: victorExecutable() != nil, "the victor executable is not built"))
struct HangupTests {
    let directories = TemporaryDirectories()

    @Test(.timeLimit(.minutes(1))) func aHangupRevokesATokenAndInstallsTheAuthorizationFile() async throws {
        let root = try makeSetup(directories, tokens: true)
        let instance = try await ServeProcess.start(["--config", root + "/victor.yaml"], in: root, name: "hangup")
        defer { if instance.isRunning { kill(instance.pid, SIGKILL) } }
        let client = Client(port: instance.port)
        let check = #"{"user": "alice", "resource": "code", "action": "read"}"#
        let decider = client.with(token: Samples.decideToken)
        let before = try await decider.post("/v1/authz/check", check)
        #expect(before.status == 200 && before["allowed"] == .bool(true), "\(before.text)")

        // alice loses her roles, and the decide token gives way to a new one.
        try "users:\n  alice: {roles: []}\n".write(toFile: root + "/authz.yaml", atomically: true, encoding: .utf8)
        let newcomer = "new-token-0123456789"
        try """
        tokens:
          - {name: newcomer, sha256: \(AccessTokens.digest(of: newcomer)), scopes: [decide]}
        """.write(toFile: root + "/tokens.yaml", atomically: true, encoding: .utf8)
        #expect(kill(instance.pid, SIGHUP) == 0)
        var revoked = false
        for _ in 0..<200 where !revoked {
            revoked = try await decider.post("/v1/authz/check", check).status == 401
            if !revoked { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(revoked, "the revoked token was still accepted 2 s after SIGHUP:\n\(instance.log)")
        let after = try await client.with(token: newcomer).post("/v1/authz/check", check)
        #expect(after.status == 200 && after["allowed"] == .bool(false), "\(after.text)")
        let status = await instance.stop()
        #expect(status == 0, "the server did not stop cleanly on SIGTERM:\n\(instance.log)")
    }
}
