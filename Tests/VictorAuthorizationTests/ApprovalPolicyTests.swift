import Testing
import VictorAuthorization

@Suite struct ApprovalPolicyTests {
    static let yaml = """
        roles:
          operator:
            permissions: [{resource: "tools/*", action: execute}]
        users:
          alice: {roles: [operator], attributes: {clearance_level: 3}}
          bob: {roles: []}
        policies:
          - name: confirm-deploys
            effect: approve
            resource: tools/deploy
            action: execute
            conditions: {context.env: prod}
          - name: confirm-payments
            effect: approve
            resource: tools/pay
            action: execute
            conditions: {context.amount: {gt: 100}}
          - name: no-wipes
            effect: deny
            resource: tools/wipe
            action: execute
          - name: confirm-wipes
            effect: approve
            resource: tools/wipe
            action: execute
            priority: 100
        """

    func authorizer() throws -> Authorizer {
        try Authorizer(configuration: AuthorizationConfiguration.parse(Self.yaml, file: "approve.yaml"))
    }

    @Test func anAllowedRequestCoveredByAnApprovePolicyNeedsApproval() throws {
        let decision = try authorizer().check(
            user: "alice",
            resource: "tools/deploy",
            action: "execute",
            context: ["env": "prod"]
        )
        #expect(decision.reason == .approvalRequired)
        #expect(!decision.allowed, "approval required is not an allow")
        #expect(decision.decidedBy == .policy("confirm-deploys"))
        #expect(decision.message == "approval required by policy 'confirm-deploys'")
    }

    @Test func conditionsThatFailLeaveTheAllow() throws {
        let decision = try authorizer().check(
            user: "alice",
            resource: "tools/deploy",
            action: "execute",
            context: ["env": "dev"]
        )
        #expect(decision.reason == .allowedByRole)
    }

    @Test func indeterminateConditionsStillAsk() throws {
        let authorizer = try authorizer()
        let missing = authorizer.check(user: "alice", resource: "tools/pay", action: "execute")
        #expect(missing.reason == .approvalRequired)
        let wrongKind = authorizer.check(
            user: "alice",
            resource: "tools/pay",
            action: "execute",
            context: ["amount": "lots"]
        )
        #expect(wrongKind.reason == .approvalRequired)
        let small = authorizer.check(user: "alice", resource: "tools/pay", action: "execute", context: ["amount": 5])
        #expect(small.reason == .allowedByRole)
    }

    @Test func approvalNeverGrantsWhatNothingAllows() throws {
        let decision = try authorizer().check(
            user: "bob",
            resource: "tools/deploy",
            action: "execute",
            context: ["env": "prod"]
        )
        #expect(decision.reason == .notPermitted)
    }

    @Test func aDenyWinsOverAnApprovalWhateverThePriorities() throws {
        let decision = try authorizer().check(user: "alice", resource: "tools/wipe", action: "execute")
        #expect(decision.reason == .forbiddenByPolicy)
    }

    @Test func bulkChecksAndExplanationsAgree() throws {
        let authorizer = try authorizer()
        let context: [String: AttributeValue] = ["env": "prod"]
        let bulk = authorizer.check(
            user: "alice",
            requests: [
                AccessRequest(resource: "tools/deploy", action: "execute"),
                AccessRequest(resource: "tools/search", action: "execute"),
            ],
            context: context
        )
        #expect(bulk.map(\.reason) == [.approvalRequired, .allowedByRole])
        let explanation = authorizer.explain(
            user: "alice",
            resource: "tools/deploy",
            action: "execute",
            context: context
        )
        #expect(explanation.decision.reason == .approvalRequired)
        #expect(explanation.steps.contains { $0.contains("approve policy 'confirm-deploys' holds the request") })
    }

    @Test func unknownEffectsNameTheChoices() {
        let yaml = """
            policies:
              - {name: p, effect: maybe, resource: r, action: a}
            """
        #expect {
            _ = try AuthorizationConfiguration.parse(yaml, file: "bad.yaml")
        } throws: { error in
            "\(error)".contains("expected allow, deny or approve") && "\(error)".contains("bad.yaml:2:")
        }
    }
}
