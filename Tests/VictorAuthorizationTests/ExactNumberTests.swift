import Testing
import VictorAuthorization

/// Issue 9, finding 3: integers are 64-bit and compare exactly with integers and floats; no value
/// is rounded through `Double`.
@Suite struct ExactNumberTests {
    /// Whether an allow policy on `user.n operator operand` grants a user holding `n`.
    static func holds(_ n: AttributeValue, _ op: ConditionOperator, _ operand: AttributeValue) throws -> Bool {
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                users: [User("u", attributes: ["n": n])],
                policies: [
                    Policy(
                        "p",
                        effect: .allow,
                        resource: "r",
                        action: "a",
                        conditions: [Condition(.user("n"), op, operand)]
                    )
                ]
            ),
            options: AuthorizerOptions(cacheEnabled: false)
        )
        return authorizer.check(user: "u", resource: "r", action: "a").allowed
    }

    @Test func integersBeyondTwoToThe53CompareExactly() throws {
        #expect(try Self.holds(9_007_199_254_740_993, .gt, 9_007_199_254_740_992))
        #expect(try !Self.holds(9_007_199_254_740_993, .eq, 9_007_199_254_740_992))
        #expect(try !Self.holds(9_007_199_254_740_993, .eq, 9_007_199_254_740_992.0))
        #expect(try Self.holds(9_007_199_254_740_993, .ne, 9_007_199_254_740_992.0))
        #expect(try Self.holds(9_007_199_254_740_993, .gt, 9_007_199_254_740_992.0))
        #expect(try Self.holds(9_007_199_254_740_992, .eq, 9_007_199_254_740_992.0))
        #expect(try !Self.holds(9_223_372_036_854_775_806, .gte, 9_223_372_036_854_775_807))
        #expect(try Self.holds(9_223_372_036_854_775_807, .gte, 9_223_372_036_854_775_807))
    }

    @Test func integersNearTwoToThe63CompareExactlyWithFloats() throws {
        // 9.3e18 is beyond Int.max; 2^63 is the first double above every Int.
        #expect(try Self.holds(.integer(.max), .lt, 9.3e18))
        #expect(try !Self.holds(.integer(.max), .gte, 9.3e18))
        #expect(try Self.holds(.integer(.max), .lt, 9_223_372_036_854_775_808.0))
        #expect(try !Self.holds(.integer(.max), .eq, 9_223_372_036_854_775_808.0))
        #expect(try Self.holds(.integer(.min), .eq, -9_223_372_036_854_775_808.0))
        #expect(try Self.holds(.integer(.min), .gt, -9.3e18))
        #expect(try Self.holds(.integer(.min + 1), .gt, -9_223_372_036_854_775_808.0))
        // A float attribute against integer operands, and fractions either side.
        #expect(try Self.holds(9.3e18, .gt, .integer(.max)))
        #expect(try Self.holds(3, .lt, 3.5) && Self.holds(-3, .gt, -3.5) && Self.holds(2.5, .gt, 2))
        #expect(try Self.holds(3, .eq, 3.0) && !Self.holds(3, .eq, 3.000_000_000_000_001))
    }

    @Test func numbersThatAreNotFiniteAreConfigurationErrors() {
        for value in [Double.infinity, -.infinity, .nan] {
            let attribute = AuthorizationConfiguration(users: [User("u", attributes: ["n": .number(value)])])
            #expect(throws: AuthorizationError.self) { try attribute.validate() }
            let operand = AuthorizationConfiguration(
                policies: [
                    Policy(
                        "p",
                        effect: .deny,
                        resource: "r",
                        action: "a",
                        conditions: [Condition(.context("n"), .lt, .number(value))]
                    )
                ]
            )
            #expect(throws: AuthorizationError.self) { try operand.validate() }
        }
    }

    @Test func aNonFiniteRequestValueIsIndeterminate() throws {
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("all", permissions: [Permission(resource: "*", action: "*")])],
                users: [User("u", roles: ["all"])],
                policies: [
                    Policy(
                        "cap",
                        effect: .deny,
                        resource: "pay",
                        action: "*",
                        conditions: [Condition(.context("amount"), .gt, 1_000)]
                    )
                ]
            )
        )
        for amount in [Double.infinity, .nan, -.infinity] {
            let decision = authorizer.check(
                user: "u",
                resource: "pay",
                action: "send",
                context: ["amount": .number(amount)]
            )
            #expect(!decision.allowed && decision.reason == .forbiddenByIndeterminatePolicy)
        }
        #expect(authorizer.check(user: "u", resource: "pay", action: "send", context: ["amount": 10]).allowed)
    }
}
