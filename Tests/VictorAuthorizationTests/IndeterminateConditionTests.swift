import Testing
import VictorAuthorization

/// Issue 9, finding 4: a condition that cannot be evaluated is indeterminate. An indeterminate
/// deny denies; an indeterminate allow or constraint grants nothing; `exists` says "only if
/// present".
@Suite struct IndeterminateConditionTests {
    /// Everyone may do anything, except what `deny` forbids.
    static func authorizer(
        deny conditions: [Condition],
        attributes: [String: AttributeValue] = [:]
    ) throws -> Authorizer {
        try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("all", permissions: [Permission(resource: "*", action: "*")])],
                users: [User("u", roles: ["all"], attributes: attributes)],
                policies: [Policy("guard", effect: .deny, resource: "r", action: "*", conditions: conditions)]
            )
        )
    }

    @Test func aDenyOnAMissingContextValueDenies() throws {
        let authorizer = try Self.authorizer(deny: [Condition(.context("env"), .ne, "dev")])
        let missing = authorizer.check(user: "u", resource: "r", action: "a")
        #expect(!missing.allowed && missing.reason == .forbiddenByIndeterminatePolicy)
        #expect(missing.decidedBy == .policy("guard"))
        #expect(missing.message == "denied: forbidden by policy 'guard', whose conditions cannot be evaluated")
        #expect(authorizer.check(user: "u", resource: "r", action: "a", context: ["env": "dev"]).allowed)
        #expect(
            authorizer.check(user: "u", resource: "r", action: "a", context: ["env": "prod"]).reason
                == .forbiddenByPolicy
        )
        // A number is no string: `ne dev` cannot be decided for 3 either.
        #expect(!authorizer.check(user: "u", resource: "r", action: "a", context: ["env": 3]).allowed)
    }

    @Test func aDenyOnAValueOfTheWrongKindDenies() throws {
        let authorizer = try Self.authorizer(deny: [Condition(.context("amount"), .gt, 1_000)])
        for amount: AttributeValue in ["lots", true, [1, 2]] {
            let decision = authorizer.check(user: "u", resource: "r", action: "pay", context: ["amount": amount])
            #expect(!decision.allowed && decision.reason == .forbiddenByIndeterminatePolicy, "\(amount)")
        }
        #expect(!authorizer.check(user: "u", resource: "r", action: "pay", context: ["amount": 5_000]).allowed)
        #expect(authorizer.check(user: "u", resource: "r", action: "pay", context: ["amount": 5]).allowed)
    }

    @Test func aDenyOnAMissingUserAttributeDenies() throws {
        let without = try Self.authorizer(deny: [Condition(.user("clearance"), .lt, 3)])
        #expect(without.check(user: "u", resource: "r", action: "a").reason == .forbiddenByIndeterminatePolicy)
        let with = try Self.authorizer(deny: [Condition(.user("clearance"), .lt, 3)], attributes: ["clearance": 5])
        #expect(with.check(user: "u", resource: "r", action: "a").allowed)
    }

    @Test func existsSaysOnlyIfPresent() throws {
        let authorizer = try Self.authorizer(deny: [
            Condition(.context("env"), .exists, true), Condition(.context("env"), .ne, "dev"),
        ])
        // Missing: `exists` is plainly false, so the deny does not apply.
        #expect(authorizer.check(user: "u", resource: "r", action: "a").allowed)
        #expect(!authorizer.check(user: "u", resource: "r", action: "a", context: ["env": "prod"]).allowed)
        #expect(authorizer.check(user: "u", resource: "r", action: "a", context: ["env": "dev"]).allowed)
        let absent = try Self.authorizer(deny: [Condition(.context("ticket"), .exists, false)])
        #expect(absent.check(user: "u", resource: "r", action: "a").reason == .forbiddenByPolicy)
        #expect(absent.check(user: "u", resource: "r", action: "a", context: ["ticket": "T-1"]).allowed)
        // A value that is not a finite number is present but unusable: indeterminate.
        let presence = try Self.authorizer(deny: [Condition(.context("n"), .exists, false)])
        #expect(!presence.check(user: "u", resource: "r", action: "a", context: ["n": .number(.nan)]).allowed)
    }

    @Test func aPlainlyFalseConditionOutweighsAnIndeterminateOne() throws {
        let authorizer = try Self.authorizer(deny: [
            Condition(.context("env"), .eq, "prod"), Condition(.context("n"), .gt, 3),
        ])
        #expect(authorizer.check(user: "u", resource: "r", action: "a", context: ["env": "dev"]).allowed)
        #expect(!authorizer.check(user: "u", resource: "r", action: "a", context: ["env": "prod"]).allowed)
    }

    @Test func anIndeterminateAllowOrConstraintGrantsNothing() throws {
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [
                    Role(
                        "dev",
                        permissions: [
                            Permission(
                                resource: "tools",
                                action: "run",
                                constraints: [Condition(.context("env"), .ne, "prod")]
                            )
                        ]
                    )
                ],
                users: [
                    User("u", roles: ["dev"]),
                    User(
                        "v",
                        permissions: [
                            Permission(
                                resource: "tools",
                                action: "run",
                                constraints: [Condition(.user("level"), .gte, 2)]
                            )
                        ]
                    ),
                ],
                policies: [
                    Policy(
                        "open",
                        effect: .allow,
                        resource: "docs",
                        action: "read",
                        conditions: [Condition(.context("n"), .lt, 10)]
                    )
                ]
            )
        )
        #expect(authorizer.check(user: "u", resource: "tools", action: "run", context: ["env": "dev"]).allowed)
        #expect(authorizer.check(user: "u", resource: "tools", action: "run").reason == .notPermitted)
        #expect(authorizer.check(user: "v", resource: "tools", action: "run").reason == .notPermitted)
        #expect(authorizer.check(user: "u", resource: "docs", action: "read", context: ["n": 1]).allowed)
        #expect(
            authorizer.check(user: "u", resource: "docs", action: "read", context: ["n": "one"]).reason == .notPermitted
        )
        #expect(authorizer.check(user: "u", resource: "docs", action: "read").reason == .notPermitted)
    }

    @Test func explainSaysIndeterminateAndWhy() throws {
        let authorizer = try Self.authorizer(deny: [Condition(.context("env"), .ne, "dev")])
        let explanation = authorizer.explain(user: "u", resource: "r", action: "a")
        #expect(explanation.decision.reason == .forbiddenByIndeterminatePolicy)
        #expect(explanation.steps.contains { $0.contains("→ indeterminate") && $0.contains("missing") })
        #expect(explanation.steps.contains { $0.contains("conditions indeterminate") })
        #expect(explanation.steps.contains { $0.contains("cannot be evaluated") })
        let wrongKind = authorizer.explain(user: "u", resource: "r", action: "a", context: ["env": 3])
        #expect(wrongKind.steps.contains { $0.contains("cannot be compared") })
    }

    @Test func cachedDecisionsNeverOutliveTheContextTheyRead() throws {
        let authorizer = try Self.authorizer(deny: [Condition(.context("env"), .ne, "dev")])
        for _ in 0..<2 {
            #expect(!authorizer.check(user: "u", resource: "r", action: "a").allowed)
            #expect(authorizer.check(user: "u", resource: "r", action: "a", context: ["env": "dev"]).allowed)
        }
    }
}
