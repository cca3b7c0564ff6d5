import Foundation
import Testing
import VictorServer

/// A token may name the user (principal) an MCP session opened with it acts for; tokens files
/// without users read as before.
@Suite struct TokenUserTests {
    @Test func aTokenMayNameItsUser() throws {
        let tokens = try AccessTokens.parse(
            """
            tokens:
              - {name: agent, sha256: \(AccessTokens.digest(of: "agent-token")), scopes: [decide], user: alice}
              - {name: ci, sha256: \(AccessTokens.digest(of: "ci-token")), scopes: [decide]}
            """
        )
        #expect(tokens.entry(for: "agent-token")?.user == "alice")
        #expect(tokens.entry(for: "ci-token")?.user == nil)
        #expect(tokens.entry(for: "ci-token")?.scopes == .decide)
    }

    @Test func anEmptyOrMistypedUserIsRefusedWithItsLocation() {
        let text = """
            tokens:
              - {name: a, sha256: \(AccessTokens.digest(of: "a")), scopes: [decide], user: ""}
              - {name: b, sha256: \(AccessTokens.digest(of: "b")), scopes: [decide], user: [bob]}
            """
        #expect {
            try AccessTokens.parse(text, file: "tokens.yaml")
        } throws: { error in
            guard let error = error as? ServerError else { return false }
            return error.code == .invalidConfiguration && error.issues.count == 2
                && error.message.contains("tokens.yaml:2:") && error.message.contains("tokens[0].user")
                && error.message.contains("tokens.yaml:3:") && error.message.contains("tokens[1].user")
        }
    }

    /// The README's tokens file for MCP over HTTP reads, with its user.
    @Test func theReadmeTokensExampleReads() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try #require(readme.components(separatedBy: "```yaml\n# tokens.yaml\n").dropFirst().first)
        let text = try #require(block.components(separatedBy: "```").first)
        let tokens = try AccessTokens.parse(text)
        #expect(tokens.entries.map(\.user) == ["alice"])
    }
}
