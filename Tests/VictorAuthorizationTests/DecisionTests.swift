import Foundation
import Testing
import VictorAuthorization
import VictorEvents
import VictorTestSupport

@Suite struct DecisionTests {
    @Test func rolesGrantTheirPermissionsAndInheritedOnes() throws {
        let authorizer = try sampleAuthorizer()
        let write = authorizer.check(user: "alice", resource: "code", action: "write")
        #expect(write.allowed && write.reason == .allowedByRole)
        #expect(write.decidedBy == .role("developer", Permission(resource: "code", action: "write")))
        let read = authorizer.check(user: "alice", resource: "code", action: "read")
        #expect(read.allowed && read.decidedBy.kind == "role" && read.decidedBy.name == "viewer")
        let bobWrite = authorizer.check(user: "bob", resource: "code", action: "write")
        #expect(!bobWrite.allowed && bobWrite.reason == .notPermitted && bobWrite.decidedBy == .default)
    }

    @Test func constraintsReadTheRequestContext() throws {
        let authorizer = try sampleAuthorizer()
        #expect(authorizer.check(user: "alice", resource: "tools", action: "execute", context: ["env": "dev"]).allowed)
        #expect(
            !authorizer.check(user: "alice", resource: "tools", action: "execute", context: ["env": "prod"]).allowed
        )
        // A condition on a missing attribute is false.
        #expect(!authorizer.check(user: "alice", resource: "tools", action: "execute").allowed)
    }

    @Test func directPermissionsAndPrefixPatterns() throws {
        let authorizer = try sampleAuthorizer()
        let decision = authorizer.check(user: "bob", resource: "reports/q3", action: "read")
        #expect(decision.reason == .allowedByPermission && decision.decidedBy.kind == "permission")
        #expect(!authorizer.check(user: "bob", resource: "reportsx", action: "read").allowed)
        #expect(!authorizer.check(user: "bob", resource: "reports/q3", action: "write").allowed)
    }

    @Test func theWildcardAdminRoleMatchesEverything() throws {
        let authorizer = try sampleAuthorizer()
        for (resource, action) in [("code", "delete"), ("tools/shell", "execute"), ("anything", "at-all")] {
            let decision = authorizer.check(user: "root", resource: resource, action: action)
            #expect(decision.allowed && decision.decidedBy == .role("admin", Permission(resource: "*", action: "*")))
        }
    }

    @Test func aMatchingDenyForbidsWhateverThePriorities() throws {
        let authorizer = try sampleAuthorizer()
        let prod = authorizer.check(user: "alice", resource: "code", action: "delete", context: ["env": "prod"])
        #expect(!prod.allowed && prod.reason == .forbiddenByPolicy && prod.decidedBy == .policy("no-prod-deletes"))
        #expect(prod.message == "denied: forbidden by policy 'no-prod-deletes'")
        #expect(authorizer.check(user: "alice", resource: "code", action: "delete", context: ["env": "dev"]).allowed)

        try authorizer.setPolicy(
            Policy("allow-everything", effect: .allow, resource: "*", action: "*", priority: 1_000)
        )
        try authorizer.setPolicy(Policy("low-deny", effect: .deny, resource: "code", action: "*", priority: -5))
        let decision = authorizer.check(user: "root", resource: "code", action: "read")
        #expect(!decision.allowed && decision.decidedBy == .policy("low-deny"))
        // Among matching denies, the highest priority is reported.
        try authorizer.setPolicy(Policy("high-deny", effect: .deny, resource: "*", action: "read", priority: 50))
        #expect(authorizer.check(user: "root", resource: "code", action: "read").decidedBy == .policy("high-deny"))
    }

    @Test func allowPoliciesAllowAndTheirSubjectListsAreHonoured() throws {
        // The Python original ignored a policy's subjects when it had no roles condition.
        let authorizer = try sampleAuthorizer()
        try authorizer.setPolicy(
            Policy("bob-deploys", effect: .allow, resource: "deploy", action: "run", subjects: ["bob"])
        )
        let bob = authorizer.check(user: "bob", resource: "deploy", action: "run")
        #expect(bob.allowed && bob.decidedBy == .policy("bob-deploys"))
        #expect(!authorizer.check(user: "alice", resource: "deploy", action: "run").allowed)
        // role: subjects cover roles held through inheritance.
        try authorizer.setPolicy(
            Policy("viewers-list", effect: .allow, resource: "deploy", action: "list", subjects: ["role:viewer"])
        )
        #expect(authorizer.check(user: "alice", resource: "deploy", action: "list").allowed)
        #expect(authorizer.check(user: "root", resource: "deploy", action: "list").reason == .allowedByRole)
    }

    @Test func theRequestContextNeverOverridesUserAttributes() throws {
        let authorizer = try sampleAuthorizer()
        try authorizer.setPolicy(
            Policy(
                "cleared-only",
                effect: .allow,
                resource: "secrets",
                action: "read",
                conditions: [Condition(.user("clearance_level"), .gte, 5)]
            )
        )
        let claimed = authorizer.check(
            user: "alice",
            resource: "secrets",
            action: "read",
            context: ["clearance_level": 5, "user.clearance_level": 5]
        )
        #expect(!claimed.allowed)
        var alice = try #require(authorizer.configuration.user(withID: "alice"))
        alice.attributes["clearance_level"] = 5
        try authorizer.setUser(alice)
        #expect(authorizer.check(user: "alice", resource: "secrets", action: "read").allowed)
    }

    @Test func unknownDisabledForgedAndDeletedUsersAreDenied() throws {
        let authorizer = try sampleAuthorizer()
        let unknown = authorizer.check(user: "nobody", resource: "code", action: "read")
        #expect(!unknown.allowed && unknown.reason == .unknownUser && unknown.decidedBy == .user("nobody"))
        let disabled = authorizer.check(user: "mallory", resource: "code", action: "read")
        #expect(!disabled.allowed && disabled.reason == .userDisabled)

        let forged = User("eve", roles: ["admin"])
        #expect(authorizer.check(forged, resource: "code", action: "read").reason == .unknownUser)
        var alice = try #require(authorizer.configuration.user(withID: "alice"))
        #expect(authorizer.check(alice, resource: "code", action: "read").allowed)
        alice.roles = ["admin"]
        #expect(authorizer.check(alice, resource: "code", action: "read").reason == .userMismatch)
        let registered = try #require(authorizer.configuration.user(withID: "bob"))
        try authorizer.removeUser(withID: "bob")
        #expect(authorizer.check(registered, resource: "code", action: "read").reason == .unknownUser)
        #expect(!authorizer.check(user: "bob", resource: "code", action: "read").allowed)
    }

    @Test func disabledAuthorizationAllowsAndSaysSo() throws {
        let authorizer = try sampleAuthorizer()
        try authorizer.setEnabled(false)
        let decision = authorizer.check(user: "nobody", resource: "code", action: "delete")
        #expect(decision.allowed && decision.reason == .authorizationDisabled && decision.decidedBy == .disabled)
        #expect(decision.message == "allowed: authorization is disabled")
    }

    @Test func theDefaultCanBeAllow() throws {
        var configuration = try sampleConfiguration()
        configuration.defaultDeny = false
        let authorizer = try Authorizer(configuration: configuration)
        let decision = authorizer.check(user: "bob", resource: "code", action: "write")
        #expect(decision.allowed && decision.reason == .allowedByDefault && decision.decidedBy == .default)
        // Deny policies and unknown users still deny.
        #expect(!authorizer.check(user: "alice", resource: "code", action: "delete", context: ["env": "prod"]).allowed)
        #expect(!authorizer.check(user: "ghost", resource: "code", action: "write").allowed)
    }

    @Test func operatorsCompareAsDocumented() throws {
        func decide(_ condition: Condition, _ attributes: [String: AttributeValue]) throws -> Bool {
            let authorizer = try Authorizer(
                configuration: AuthorizationConfiguration(
                    users: [User("u", attributes: attributes)],
                    policies: [Policy("p", effect: .allow, resource: "r", action: "a", conditions: [condition])]
                )
            )
            return authorizer.check(user: "u", resource: "r", action: "a").allowed
        }
        #expect(try decide(Condition(.user("n"), .eq, 3), ["n": 3.0]))
        #expect(try decide(Condition(.user("n"), .ne, 3), ["n": 4]))
        #expect(try !decide(Condition(.user("n"), .ne, 3), [:]))
        #expect(try decide(Condition(.user("n"), .gt, 3), ["n": 3.5]))
        #expect(try decide(Condition(.user("n"), .gte, 3), ["n": 3]))
        #expect(try decide(Condition(.user("n"), .lt, 3), ["n": 2]))
        #expect(try decide(Condition(.user("n"), .lte, 3), ["n": 3]))
        #expect(try decide(Condition(.user("d"), .in, ["eng", "ops"]), ["d": "ops"]))
        #expect(try decide(Condition(.user("d"), .notIn, ["eng", "ops"]), ["d": "sales"]))
        #expect(try decide(Condition(.user("tags"), .contains, "x"), ["tags": ["x", "y"]]))
        #expect(try decide(Condition(.user("d"), .contains, "ng"), ["d": "eng"]))
        #expect(try decide(Condition(.user("id"), .eq, "u"), [:]))
        #expect(try !decide(Condition(.user("missing"), .lt, 3), [:]))
    }

    @Test func userRolesIncludeInheritedRoles() throws {
        let authorizer = try sampleAuthorizer()
        try authorizer.setPolicy(
            Policy(
                "viewers",
                effect: .allow,
                resource: "wiki",
                action: "read",
                conditions: [Condition(.user("roles"), .contains, "viewer")]
            )
        )
        #expect(authorizer.check(user: "alice", resource: "wiki", action: "read").allowed)
        #expect(!authorizer.check(user: "bob", resource: "wiki", action: "write").allowed)
    }

    @Test func aRejectedChangeLeavesTheStateWhole() throws {
        let authorizer = try sampleAuthorizer()
        let before = authorizer.configuration
        let generation = authorizer.generation
        #expect(throws: AuthorizationError.self) {
            try authorizer.update { configuration in
                configuration.policies.append(Policy("ok", effect: .allow, resource: "x", action: "y"))
                configuration.policies.append(
                    Policy("bad", effect: .allow, resource: "x", action: "y", subjects: ["role:ghost"])
                )
            }
        }
        #expect(authorizer.configuration == before && authorizer.generation == generation)
        #expect(throws: AuthorizationError.self) { try authorizer.removeRole(named: "viewer") }
        #expect(authorizer.configuration == before)

        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("bad.yaml").path
        try (AuthorizationSamples.yaml + "\n  - {name: broken, effect: maybe, resource: a, action: b}\n").write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        #expect(throws: AuthorizationError.self) { try authorizer.load(contentsOf: path) }
        #expect(authorizer.configuration == before && authorizer.generation == generation)
    }

    @Test func changesInvalidateCachedDecisions() throws {
        let authorizer = try sampleAuthorizer()
        #expect(authorizer.check(user: "bob", resource: "code", action: "write").reason == .notPermitted)
        #expect(authorizer.check(user: "bob", resource: "code", action: "write").reason == .notPermitted)
        #expect(authorizer.statistics().cacheHits == 1)
        try authorizer.setUser(User("bob", roles: ["developer"]))
        #expect(authorizer.check(user: "bob", resource: "code", action: "write").allowed)
        try authorizer.setRole(Role("developer", permissions: []))
        #expect(!authorizer.check(user: "bob", resource: "code", action: "write").allowed)
        #expect(authorizer.generation == 3)
    }

    @Test func bulkChecksDecideLikeSingleChecks() throws {
        for options in [AuthorizerOptions(cacheEnabled: true), AuthorizerOptions(cacheEnabled: false)] {
            let authorizer = try sampleAuthorizer(options: options)
            let requests = [
                AccessRequest(resource: "code", action: "read"), AccessRequest(resource: "code", action: "delete"),
                AccessRequest(resource: "tools", action: "execute"), AccessRequest(resource: "x", action: "y"),
            ]
            for user in ["alice", "bob", "root", "mallory", "nobody"] {
                let bulk = authorizer.check(user: user, requests: requests, context: ["env": "prod"])
                let single = requests.map {
                    authorizer.check(user: user, resource: $0.resource, action: $0.action, context: ["env": "prod"])
                }
                #expect(bulk == single)
            }
        }
    }

    @Test func explainGivesTheTraceAndTheSameDecision() throws {
        let authorizer = try sampleAuthorizer()
        let explanation = authorizer.explain(
            user: "alice",
            resource: "code",
            action: "delete",
            context: ["env": "prod"]
        )
        #expect(
            explanation.decision
                == authorizer.check(user: "alice", resource: "code", action: "delete", context: ["env": "prod"])
        )
        #expect(explanation.steps.contains { $0.contains("deny policy 'no-prod-deletes'") })
        #expect(explanation.steps.contains { $0.contains("context.env") })
        #expect(explanation.description.hasSuffix("denied: forbidden by policy 'no-prod-deletes'"))
        let read = authorizer.explain(user: "alice", resource: "code", action: "read")
        #expect(read.steps.contains { $0.contains("role 'developer' via 'viewer'") })
    }

    @Test func decisionsArePublishedAndCounted() async throws {
        let bus = EventBus()
        let authorizer = try Authorizer(configuration: sampleConfiguration(), eventBus: bus)
        let seen = EventRecorder(subscribingTo: AuthorizationDecided.self, on: bus)
        _ = authorizer.check(user: "alice", resource: "code", action: "read")
        _ = authorizer.check(user: "bob", resource: "code", action: "write")
        _ = authorizer.check(user: "alice", requests: [AccessRequest(resource: "code", action: "write")])
        let events = seen.events
        #expect(events.map(\.user) == ["alice", "bob", "alice"])
        #expect(events.map(\.allowed) == [true, false, true])
        #expect(events[1].decision.reason == .notPermitted)
        let statistics = authorizer.statistics()
        #expect(statistics.checks == 3 && statistics.denied == 1)
        #expect(abs(statistics.denyRate - 1.0 / 3.0) < 1e-9)
        #expect(statistics.latencySamples >= 1)
        authorizer.flushMetrics()
    }

    @Test func contextParsingFollowsTheCommandLineRules() throws {
        #expect(try AttributeValue(parsing: "5") == .integer(5))
        #expect(try AttributeValue(parsing: "2.5") == .number(2.5))
        #expect(try AttributeValue(parsing: "true") == .boolean(true))
        #expect(try AttributeValue(parsing: "prod") == .string("prod"))
        #expect(try AttributeValue(parsing: "nan") == .string("nan"))
    }
}

@Suite struct DecisionPolicyNameTests {
    @Test func thePolicyNameIsThereExactlyWhenAPolicyDecided() throws {
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("dev", permissions: [Permission(resource: "code", action: "read")])],
                users: [User("u", roles: ["dev"])],
                policies: [Policy("no-prod", effect: .deny, resource: "prod", action: "*")]
            )
        )
        let denied = authorizer.check(user: "u", resource: "prod", action: "read")
        #expect(denied.decidedBy == .policy("no-prod") && denied.policyName == "no-prod")
        let allowed = authorizer.check(user: "u", resource: "code", action: "read")
        #expect(allowed.reason == .allowedByRole && allowed.policyName == nil)
        #expect(Decision(reason: .forbiddenByPolicy, decidedBy: .policy("p")).policyName == "p")
        #expect(Decision(reason: .notPermitted, decidedBy: .default).policyName == nil)
    }
}
