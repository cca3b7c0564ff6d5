import Testing
import VictorAuthorization

/// Issue 9, findings 5 and 6: `validate` rejects what `check` can never match, and names that
/// cannot be names.
@Suite struct ValidationTests {
    func problems(_ configuration: AuthorizationConfiguration) -> [ConfigurationIssue] {
        do {
            try configuration.validate()
            return []
        } catch {
            return error.issues
        }
    }

    func deny(_ conditions: [Condition], subjects: [String] = []) -> Policy {
        Policy("p", effect: .deny, resource: "r", action: "a", subjects: subjects, conditions: conditions)
    }

    @Test(arguments: [
        Condition(.user("roles"), .eq, "contractor"), Condition(.user("roles"), .in, ["contractor"]),
        Condition(.user("roles"), .ne, "contractor"), Condition(.user("roles"), .notIn, ["contractor"]),
        Condition(.user("roles"), .gt, 1),
    ])
    func userRolesTakeContainsOnly(condition: Condition) {
        let found = problems(AuthorizationConfiguration(roles: [Role("contractor")], policies: [deny([condition])]))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.message.contains("contains") == true)
        #expect(found.first?.key == "policies[0].conditions.user.roles.\(condition.operator)")
    }

    @Test func listAttributesTakeContainsOnly() {
        let configuration = AuthorizationConfiguration(
            users: [User("a", attributes: ["tags": ["x", "y"]]), User("b", attributes: ["tags": "x"])],
            policies: [deny([Condition(.user("tags"), .eq, "x")])]
        )
        let found = problems(configuration)
        #expect(found.count == 1 && found[0].message.contains("use contains") && found[0].message.contains("'a'"))
        var fixed = configuration
        fixed.policies = [deny([Condition(.user("tags"), .contains, "x")])]
        #expect(problems(fixed).isEmpty)
    }

    @Test func conditionsThatCanNeverHoldAreErrors() {
        let found = problems(
            AuthorizationConfiguration(
                roles: [Role("dev")],
                users: [User("u", attributes: ["level": 3])],
                policies: [
                    deny([
                        Condition(.user("roles"), .contains, "ghost"), Condition(.context("x"), .in, []),
                        Condition(.user("id"), .eq, 5), Condition(.user("level"), .contains, "3"),
                        Condition(.context("y"), .exists, "yes"),
                    ])
                ]
            )
        )
        let keys = Set(found.map(\.key))
        #expect(
            keys == [
                "policies[0].conditions.user.roles.contains", "policies[0].conditions.context.x.in",
                "policies[0].conditions.user.id.eq", "policies[0].conditions.user.level.contains",
                "policies[0].conditions.context.y.exists",
            ],
            "\(found)"
        )
    }

    @Test func subjectsNamingNobodyAreErrorsWithASuggestion() {
        let configuration = AuthorizationConfiguration(
            roles: [Role("contractor"), Role("x")],
            users: [User("carl")],
            policies: [deny([], subjects: ["contractor", "Role:x", "carl ", "role:contractr", "nobody-at-all"])]
        )
        let found = problems(configuration)
        #expect(found.map(\.key) == (0..<5).map { "policies[0].subjects[\($0)]" })
        #expect(found[0].message.contains("did you mean 'role:contractor'?"))
        #expect(found[1].message.contains("did you mean 'role:x'?"))
        #expect(found[2].message.contains("did you mean 'carl'?"))
        #expect(
            found[3].message.contains("undefined role 'contractr'") && found[3].message.contains("'role:contractor'")
        )
        #expect(found[4].message.contains("which is no user") && !found[4].message.contains("did you mean"))
    }

    @Test func subjectIssuesCarryTheirLocation() {
        let found = issues(
            """
            roles:
              contractor: {}
            policies:
              - {name: p, effect: deny, resource: r, action: a, subjects: [contractor]}
            """
        )
        #expect(found.count == 1)
        #expect(found.first?.line == 4 && (found.first?.column ?? 0) > 0)
        #expect(found.first?.description.hasPrefix("bad.yaml:4:") == true)
        #expect(found.first?.message.contains("did you mean 'role:contractor'?") == true)
    }

    @Test(arguments: [
        "a\nb", "x\u{7}", "tab\there", "del\u{7F}", "nel\u{85}", "\u{FEFF}bom",
        // Invisible: a zero width space, a soft hyphen, a right-to-left override.
        "pay\u{200B}roll", "pay\u{AD}roll", "docs\u{202E}",
    ])
    func namesWithForbiddenCharactersAreErrors(name: String) {
        let found = problems(
            AuthorizationConfiguration(
                roles: [Role(name)],
                users: [User(name)],
                policies: [Policy(name, effect: .deny, resource: name, action: "a")]
            )
        )
        let keys = Set(found.map(\.key))
        #expect(keys.isSuperset(of: ["roles.\(name)", "users.\(name)", "policies[0].name", "policies[0].resource"]))
        #expect(found.allSatisfy { $0.message.contains("may not hold the character") })
    }

    @Test func deepInheritanceCyclesAreFoundWithoutRecursion() {
        let count = 50_000
        let roles = (0..<count).map { Role("r\($0)", inherits: ["r\(($0 + 1) % count)"]) }
        let found = problems(AuthorizationConfiguration(roles: roles))
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("role inheritance cycle: r0 → r1 → r2") == true)
        #expect(found.first?.message.hasSuffix("r49999 → r0") == true)
    }
}
