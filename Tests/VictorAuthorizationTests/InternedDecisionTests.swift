import Testing
import VictorTestSupport

@testable import VictorAuthorization

@Suite struct InternedDecisionTests {
    @Test func configurationsCompiledAlikeReturnTheOneInternedDecision() throws {
        // A table of its own: other tests compiling in this process may have filled the process's.
        let table = InternedDecisionTable(capacity: 64)
        try InternedDecisions.$current.withValue(table) {
            let first = try sampleAuthorizer()
            let second = try sampleAuthorizer()
            let interned = table.count
            #expect(interned > 0)
            for (user, resource, action) in [
                ("alice", "code", "write"), ("bob", "reports/q3", "read"), ("bob", "x", "y"),
            ] {
                let one = first.check(user: user, resource: resource, action: action)
                let other = second.check(user: user, resource: resource, action: action)
                #expect(one.isIdentical(to: other), "\(user) \(action) \(resource)")
            }
            // Compiling the same configuration again interned nothing new.
            _ = try sampleAuthorizer()
            #expect(table.count == interned)
        }
    }

    @Test func aFullTableCompilesOrdinaryDecisionsThatStillDecideAlike() throws {
        let table = InternedDecisionTable(capacity: 0)
        try InternedDecisions.$current.withValue(table) {
            let first = try sampleAuthorizer()
            let second = try sampleAuthorizer()
            let one = first.check(user: "alice", resource: "code", action: "write")
            let other = second.check(user: "alice", resource: "code", action: "write")
            #expect(table.count == 0)
            #expect(!one.isIdentical(to: other) && one == other && one.allowed)
        }
    }

    @Test func decisionsOutliveTheirAuthorizerAndConfiguration() throws {
        var decisions: [Decision] = []
        do {
            let authorizer = try sampleAuthorizer()
            decisions.append(authorizer.check(user: "alice", resource: "code", action: "write"))
            // Made on the spot, not interned: it must keep its own contents alive.
            let stranger = "nobody-\(Int.random(in: 0..<1_000_000))"
            decisions.append(authorizer.check(user: stranger, resource: "a", action: "b"))
            try authorizer.replaceConfiguration(AuthorizationConfiguration())
        }
        #expect(decisions[0].allowed && decisions[0].reason == .allowedByRole)
        #expect(decisions[0].message.hasPrefix("allowed: role 'developer' grants"))
        #expect(!decisions[1].allowed && decisions[1].reason == .unknownUser)
        #expect(decisions[1].message.hasPrefix("denied: unknown user 'nobody-"))
    }

    @Test func pastItsCapacityTheInternerMakesOrdinaryDecisions() {
        var interner = DecisionInterner(capacity: 2)
        let sources: [Decision.Source] = [.policy("one"), .policy("two"), .policy("three")]
        let first = sources.map { interner.decision(.forbiddenByPolicy, $0) }
        let again = sources.map { interner.decision(.forbiddenByPolicy, $0) }
        #expect(interner.count == 2)
        #expect(first[0].isIdentical(to: again[0]) && first[1].isIdentical(to: again[1]))
        // The third is equal every time, and correct, but not shared.
        #expect(!first[2].isIdentical(to: again[2]) && first[2] == again[2])
        #expect(again[2].message == "denied: forbidden by policy 'three'")
        #expect(interner.decision(.approvalRequired, .policy("one")).reason == .approvalRequired)
        #expect(interner.count == 2)
    }

    @Test func theInternerKeysOnReasonAndSourceExactly() {
        var interner = DecisionInterner(capacity: 16)
        let integer = Permission(resource: "r", action: "a", constraints: [Condition(.context("n"), .eq, .integer(3))])
        let number = Permission(resource: "r", action: "a", constraints: [Condition(.context("n"), .eq, .number(3))])
        let byInteger = interner.decision(.allowedByRole, .role("x", integer))
        let byNumber = interner.decision(.allowedByRole, .role("x", number))
        #expect(!byInteger.isIdentical(to: byNumber))
        #expect(byInteger.decidedBy == .role("x", integer) && byNumber.decidedBy == .role("x", number))
        #expect(interner.decision(.allowedByRole, .role("x", integer)).isIdentical(to: byInteger))
        #expect(!interner.decision(.allowedByPermission, .permission(integer)).isIdentical(to: byInteger))
    }
}
