import Foundation
import Testing
import VictorAuthorization

@Suite struct AuthorizationTestingTests {
    @Test func evaluateReportsEachCaseInOrderWithItsDecision() throws {
        let authorizer = try sampleAuthorizer()
        let cases = try AuthorizationTestCase.parse(
            """
            - {user: alice, resource: code, action: read, expect: allow}
            - {user: bob, resource: code, action: write, expect: allow}
            - {user: alice, resource: code, action: delete, context: {env: prod}, expect: deny}
            - {user: mallory, resource: code, action: read, expect: allow}
            """,
            file: "cases.yaml"
        )
        let report = authorizer.evaluate(cases)
        #expect(report.outcomes.map(\.passed) == [true, false, true, false])
        #expect(report.passedCount == 2)
        #expect(report.failedCount == 2)
        #expect(!report.allPassed)
        #expect(report.failures.map(\.testCase.line) == [2, 4])
        #expect(report.failures.map(\.decision.reason) == [.notPermitted, .userDisabled])
        #expect(report.outcomes[2].decision.reason == .forbiddenByPolicy)
        #expect(authorizer.evaluate([]).allPassed)
    }

    @Test func loadReadsAFileAndNamesWhatItCannotRead() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("cases.yaml").path
        try "- {user: alice, resource: code, action: read, expect: allow}\n".write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        #expect(try AuthorizationTestCase.load(contentsOf: path).map(\.user) == ["alice"])
        let missing = directory.appendingPathComponent("missing.yaml").path
        #expect(throws: AuthorizationError.self) { try AuthorizationTestCase.load(contentsOf: missing) }
        do {
            _ = try AuthorizationTestCase.load(contentsOf: directory.path)
            Issue.record("a directory was read as cases")
        } catch {
            #expect(error.code == .unreadableFile)
            #expect(error.message.hasPrefix("cannot read \(directory.path): "))
        }
    }

    @Test func aDecisionRecordKeepsTheJSONFieldNames() throws {
        let authorizer = try sampleAuthorizer()
        let decision = authorizer.check(user: "alice", resource: "code", action: "deploy")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(DecisionRecord(decision)), as: UTF8.self)
        #expect(
            json
                == #"{"allowed":false,"decidedBy":{"kind":"default","name":null},"#
                + #""message":"denied: not permitted (nothing allows it; the default is deny)","reason":"not_permitted"}"#
        )
        let explained = DecisionRecord(authorizer.explain(user: "alice", resource: "code", action: "deploy"))
        #expect(explained.steps?.isEmpty == false)
    }
}
