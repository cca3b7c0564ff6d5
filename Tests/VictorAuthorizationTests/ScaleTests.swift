import Testing
import VictorAuthorization

/// Issue 9, finding 13: the compiled size grows with roles, permissions and inheritance edges,
/// not with their product, and inheritance of any depth compiles without recursion.
@Suite struct ScaleTests {
    @Test func manyRolesInheritingOneLargeRoleCompileAndDecide() throws {
        // One role with 2,000 permissions and 4,999 roles inheriting it: copying the inherited
        // grants into every role needed more than 6 GB.
        let base = Role("base", permissions: (0..<2_000).map { Permission(resource: "res\($0)", action: "read") })
        let roles = [base] + (1..<5_000).map { Role("r\($0)", inherits: ["base"]) }
        let users = (1..<5_000).map { User("u\($0)", roles: ["r\($0)"]) } + [User("none")]
        let authorizer = try Authorizer(configuration: AuthorizationConfiguration(roles: roles, users: users))
        for user in ["u1", "u2500", "u4999"] {
            let decision = authorizer.check(user: user, resource: "res1999", action: "read")
            #expect(decision.allowed && decision.decidedBy.name == "base")
            #expect(!authorizer.check(user: user, resource: "res2000", action: "read").allowed)
            #expect(!authorizer.check(user: user, resource: "res0", action: "write").allowed)
        }
        #expect(!authorizer.check(user: "none", resource: "res0", action: "read").allowed)
        let explanation = authorizer.explain(user: "u7", resource: "res5", action: "read")
        #expect(explanation.decision.allowed && explanation.steps.contains { $0.contains("role 'r7' via 'base'") })
    }

    @Test func aHundredThousandDeepChainCompilesAndDecides() throws {
        // A 40,000-deep chain crashed the recursive closure walk.
        let depth = 100_000
        var roles: [Role] = [Role("c0", permissions: [Permission(resource: "root", action: "read")])]
        roles.reserveCapacity(depth)
        for index in 1..<depth {
            roles.append(
                Role(
                    "c\(index)",
                    permissions: [Permission(resource: "r\(index)", action: "read")],
                    inherits: ["c\(index - 1)"]
                )
            )
        }
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: roles,
                users: [
                    User("bottom", roles: ["c\(depth - 1)"]), User("top", roles: ["c0"]),
                    User("middle", roles: ["c50000"]),
                ],
                policies: [
                    Policy(
                        "deep-only",
                        effect: .allow,
                        resource: "vault",
                        action: "open",
                        conditions: [Condition(.user("roles"), .contains, "c99999")]
                    )
                ]
            )
        )
        #expect(authorizer.check(user: "bottom", resource: "root", action: "read").decidedBy.name == "c0")
        #expect(authorizer.check(user: "bottom", resource: "r50000", action: "read").allowed)
        #expect(authorizer.check(user: "middle", resource: "r50000", action: "read").allowed)
        #expect(!authorizer.check(user: "middle", resource: "r50001", action: "read").allowed)
        #expect(!authorizer.check(user: "top", resource: "r1", action: "read").allowed)
        #expect(authorizer.check(user: "top", resource: "root", action: "read").allowed)
        #expect(authorizer.check(user: "bottom", resource: "vault", action: "open").allowed)
        #expect(!authorizer.check(user: "middle", resource: "vault", action: "open").allowed)
    }
}
