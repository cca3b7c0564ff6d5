import Foundation
import NIOCore
import Testing
import VictorAuthorization

@testable import VictorServer

/// The hand-written decision JSON is the text `JSONEncoder` writes for the same record.
@Suite struct DecisionJSONTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static var records: [DecisionRecord] {
        var plain = DecisionRecord(Decision(reason: .unknownUser, decidedBy: .user("alice")))
        plain.message = "user alice may read docs/readme"
        var quoted = DecisionRecord(Decision(reason: .forbiddenByPolicy, decidedBy: .policy("no \"secrets\"")))
        quoted.message = "tab\there, back\\slash, line\nbreak, é and 🙂, bell \u{7}"
        quoted.steps = ["step 1: policy \"no secrets\" matched", "step 2: forbidden"]
        var unnamed = DecisionRecord(Decision(reason: .authorizationDisabled, decidedBy: .disabled))
        unnamed.steps = []
        return [plain, quoted, unnamed]
    }

    @Test func oneRecordIsTheEncodersText() throws {
        for record in Self.records {
            #expect(String(decoding: DecisionJSON.object(record), as: UTF8.self) == (try Self.encoded(record)))
        }
    }

    @Test func aBatchIsTheEncodersText() throws {
        struct Batch: Encodable { var decisions: [DecisionRecord] }
        let decisions = [
            Decision(reason: .unknownUser, decidedBy: .user("bob")),
            Decision(reason: .authorizationDisabled, decidedBy: .disabled),
        ]
        let expected = try Self.encoded(Batch(decisions: decisions.map(DecisionRecord.init)))
        #expect(String(buffer: DecisionJSON.batch(decisions)) == expected)
        #expect(String(buffer: DecisionJSON.batch([])) == #"{"decisions":[]}"#)
    }

    /// More distinct decisions than a batch remembers, repeating out of order: whatever is
    /// reused or evicted, each decision's text is its own.
    @Test func aBatchRepeatingDecisionsIsTheEncodersText() throws {
        struct Batch: Encodable { var decisions: [DecisionRecord] }
        let distinct = (0..<(DecisionJSON.remembered + 4)).map { index in
            Decision(reason: index % 2 == 0 ? .unknownUser : .userDisabled, decidedBy: .user("user-\(index)"))
        }
        let decisions = (0..<300).map { distinct[($0 * 7 + $0 / 13) % distinct.count] }
        let expected = try Self.encoded(Batch(decisions: decisions.map(DecisionRecord.init)))
        #expect(String(buffer: DecisionJSON.batch(decisions)) == expected)
    }

    @Test func identicalDecisionsAreTheCompiledOnes() throws {
        let made = Decision(reason: .unknownUser, decidedBy: .user("bob"))
        let copy = made
        #expect(copy.isIdentical(to: made))
        let equal = Decision(reason: .unknownUser, decidedBy: .user("bob"))
        #expect(equal == made && !equal.isIdentical(to: made))

        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("reader", permissions: [Permission(resource: "docs/*", action: "read")])],
                users: [User("alice", roles: ["reader"])]
            )
        )
        let first = authorizer.check(user: "alice", resource: "docs/a", action: "read")
        let second = authorizer.check(user: "alice", resource: "docs/b", action: "read")
        let denied = authorizer.check(user: "alice", resource: "docs/b", action: "write")
        #expect(first.allowed && first.isIdentical(to: second))
        #expect(!denied.allowed && !denied.isIdentical(to: first))
    }
}
