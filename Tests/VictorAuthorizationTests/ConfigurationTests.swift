import Foundation
import Testing
import VictorAuthorization
import VictorTestSupport

@Suite struct ConfigurationTests {
    @Test func parsesTheDocumentedSchema() throws {
        let configuration = try sampleConfiguration()
        #expect(configuration.enabled && configuration.defaultDeny)
        #expect(configuration.roles.map(\.name) == ["viewer", "developer", "admin"])
        #expect(configuration.role(named: "developer")?.inherits == ["viewer"])
        let tools = try #require(configuration.role(named: "developer")?.permissions.first)
        #expect(tools.constraints == [Condition(.context("env"), .eq, "dev")])
        let alice = try #require(configuration.user(withID: "alice"))
        #expect(alice.attributes == ["clearance_level": 3, "department": "eng"])
        #expect(configuration.user(withID: "bob")?.username == "bob")
        #expect(configuration.user(withID: "mallory")?.enabled == false)
        let policy = try #require(configuration.policies.first)
        #expect(policy.effect == .deny && policy.priority == 10 && policy.subjects == ["role:developer"])
        #expect(
            policy.conditions == [
                Condition(.context("env"), .eq, "prod"), Condition(.user("clearance_level"), .lt, 5),
            ]
        )
    }

    @Test func defaultsApplyWhenKeysAreOmitted() throws {
        let configuration = try AuthorizationConfiguration.parse("users: {carol: {}}")
        #expect(configuration.enabled && configuration.defaultDeny)
        #expect(configuration.users == [User("carol")])
        #expect(try AuthorizationConfiguration.parse("") == AuthorizationConfiguration())
    }

    @Test func unknownKeysAreErrorsWithTheirLocation() {
        let found = issues(
            """
            roles:
              viewer:
                permisions: []
            """
        )
        #expect(found.count == 1)
        #expect(found.first?.description.hasPrefix("bad.yaml:3:5: roles.viewer.permisions: unknown key") == true)
    }

    @Test func aStringWhereAListBelongsIsRejectedNotSplitIntoLetters() {
        let found = issues(
            """
            roles:
              admin: {}
            users:
              eve:
                roles: admin
            """
        )
        #expect(found.map(\.key) == ["users.eve.roles"])
        #expect(found.first?.line == 5 && found.first?.column == 12)
        #expect(found.first?.message.contains("expected a list") == true)
    }

    @Test func unknownEffectsAndOperatorsAreErrors() {
        let found = issues(
            """
            policies:
              - {name: a, effect: permit, resource: code, action: read}
              - name: b
                effect: allow
                resource: code
                action: read
                conditions: {user.level: {greater: 3}}
            """
        )
        #expect(found.count == 2)
        #expect(found[0].description.hasPrefix("bad.yaml:2:23: policies[0].effect: unknown effect 'permit'"))
        #expect(found[1].key == "policies[1].conditions.user.level.greater")
        #expect(found[1].message.contains("unknown operator 'greater'"))
        #expect(found[1].line == 7)
    }

    @Test func typeMismatchesAreErrors() {
        let found = issues(
            """
            users:
              alice: {attributes: {clearance_level: high}}
            policies:
              - name: a
                effect: deny
                resource: code
                action: read
                conditions: {user.clearance_level: {lt: 5}, context.env: {in: prod}, context.n: {gt: "x"}}
              - {name: b, effect: allow, resource: code, action: read, priority: high}
            """
        )
        let keys = found.map(\.key)
        #expect(keys.contains("policies[1].priority"))
        let semantic = issues(
            """
            users:
              alice: {attributes: {clearance_level: high}}
            policies:
              - name: a
                effect: deny
                resource: code
                action: read
                conditions: {user.clearance_level: {lt: 5}, context.env: {in: prod}, context.n: {gt: "x"}}
            """
        )
        #expect(
            Set(semantic.map(\.key)) == [
                "policies[0].conditions.context.env.in", "policies[0].conditions.context.n.gt",
                "users.alice.attributes.clearance_level",
            ]
        )
        #expect(semantic.allSatisfy { $0.message.contains("type mismatch") && $0.line > 0 })
    }

    @Test func structuralAndSemanticProblemsAreReportedTogether() {
        let found = issues(
            """
            roles:
              a: {inherits: [b]}
              b: {inherits: [a]}
            users:
              eve: {roles: admin}
              bob: {roles: [ghost]}
            policies:
              - {effect: allow, resource: x, action: y}
              - {name: p, effect: maybe, resource: x, action: y, subjects: ["role:nobody"]}
            """
        )
        #expect(
            found.map(\.key) == [
                "roles.a.inherits", "users.eve.roles", "users.bob.roles[0]", "policies[0]", "policies[1].effect",
                "policies[1].subjects[0]",
            ]
        )
        #expect(found.allSatisfy { $0.line > 0 && $0.column > 0 })
    }

    @Test func undefinedRolesAreErrors() {
        let found = issues(
            """
            roles:
              developer: {inherits: [viewer]}
            users:
              alice: {roles: [developer, tester]}
            policies:
              - {name: p, effect: deny, resource: code, action: read, subjects: ["role:auditor", bob]}
            """
        )
        // A subject naming no user (`bob`) is an error too: the policy would apply to no one.
        #expect(
            found.map(\.key) == [
                "roles.developer.inherits[0]", "users.alice.roles[1]", "policies[0].subjects[0]",
                "policies[0].subjects[1]",
            ]
        )
        #expect(found.map(\.line) == [2, 4, 6, 6])
        #expect(found[0].message.contains("undefined role 'viewer'"))
        #expect(found[3].message.contains("'bob', which is no user"))
    }

    @Test func inheritanceCyclesAreRejectedWithTheirPath() {
        let found = issues(
            """
            roles:
              a: {inherits: [b]}
              b: {inherits: [c]}
              c: {inherits: [a]}
              d: {inherits: [d]}
            """
        )
        #expect(found.count == 2)
        #expect(found[0].message == "role inheritance cycle: a → b → c → a")
        #expect(found[0].line == 2)
        #expect(found[1].message == "role inheritance cycle: d → d")
    }

    @Test func malformedPatternsAndDuplicatesAreErrors() {
        let found = issues(
            """
            roles:
              r:
                permissions: [{resource: "to*ls", action: read}, {resource: "", action: read}]
            policies:
              - {name: p, effect: deny, resource: code, action: read}
              - {name: p, effect: deny, resource: code, action: read}
            """
        )
        let messages = found.map(\.message)
        #expect(messages.contains { $0.contains("'*' may only end a pattern") })
        #expect(messages.contains { $0.contains("cannot be empty") })
        #expect(messages.contains { $0.contains("policy 'p' is defined twice") })
        let empty = issues("policies: [{name: q, effect: deny, resource: code, action: read, subjects: []}]")
        #expect(empty.count == 1 && empty[0].message.contains("empty subject list"))
        let duplicate = issues("users:\n  u: {roles: [r], roles: [r]}\n")
        #expect(
            duplicate.count == 1 && duplicate[0].message.contains("duplicate key 'roles'") && duplicate[0].line == 2
        )
        let twice = issues(
            "policies: [{name: p, effect: deny, resource: a, action: b, conditions: {context.n: {lt: 1, lt: 2}}}]"
        )
        #expect(twice.count == 1 && twice[0].message.contains("duplicate key 'lt'"))
    }

    @Test func reservedAttributeNamesAreErrors() {
        let found = issues("users: {u: {attributes: {id: admin, roles: [admin]}}}")
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.message.contains("reserved") })
    }

    @Test func syntaxErrorsCarryTheirLocation() {
        let found = issues("roles:\n  viewer: [\n", file: "broken.yaml")
        #expect(found.count == 1)
        #expect(found.first?.file == "broken.yaml")
        #expect((found.first?.line ?? 0) >= 2)
    }

    @Test func jsonIsReadWithLocations() throws {
        let json = """
            {
              "roles": {"viewer": {"permissions": [{"resource": "code", "action": "read"}]}},
              "users": {"alice": {"roles": ["viewer"], "attributes": {"level": 3, "tag": "5"}}}
            }
            """
        let configuration = try AuthorizationConfiguration.parse(json, file: "a.json")
        #expect(configuration.user(withID: "alice")?.attributes == ["level": 3, "tag": "5"])
        let found = issues(
            """
            {
              "users": {"alice": {"roles": "viewer"}}
            }
            """,
            file: "b.json"
        )
        #expect(found.map(\.description).first?.hasPrefix("b.json:2:32: users.alice.roles: expected a list") == true)
    }

    @Test func yamlBooleanWordsStayStrings() throws {
        let configuration = try AuthorizationConfiguration.parse(
            "users: {u: {attributes: {answer: no, on: yes, n: 1.5, q: \"1\"}}}"
        )
        #expect(configuration.user(withID: "u")?.attributes == ["answer": "no", "on": "yes", "n": 1.5, "q": "1"])
    }

    @Test func saveThenLoadGivesAnEqualConfiguration() throws {
        var configuration = try sampleConfiguration()
        configuration.users.append(
            User("odd", username: "O'dd \"quoted\"", attributes: ["n": 2.5, "tags": ["a", 1, true], "s": "007"])
        )
        configuration.policies.append(
            Policy(
                "allow-reports",
                effect: .allow,
                resource: "reports/*",
                action: "*",
                subjects: ["bob", "role:viewer"],
                conditions: [Condition(.context("hour"), .gte, 9), Condition(.context("hour"), .lt, 17)],
                priority: -3
            )
        )
        configuration.defaultDeny = false
        try configuration.validate()
        #expect(try AuthorizationConfiguration.parse(configuration.yaml()) == configuration)
        #expect(try AuthorizationConfiguration.parse(configuration.json()) == configuration)

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["authz.yaml", "authz.json"] {
            let path = directory.appendingPathComponent(name).path
            try configuration.save(to: path)
            #expect(try AuthorizationConfiguration.load(contentsOf: path) == configuration)
        }
        #expect(
            try String(contentsOfFile: directory.appendingPathComponent("authz.json").path, encoding: .utf8).first
                == "{"
        )
    }

    @Test func loadingTwiceGivesTheSameState() throws {
        #expect(try sampleConfiguration() == sampleConfiguration())
        let authorizer = try sampleAuthorizer()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("authz.yaml").path
        try AuthorizationSamples.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try authorizer.load(contentsOf: path)
        let first = authorizer.configuration
        try authorizer.load(contentsOf: path)
        #expect(authorizer.configuration == first)
        #expect(first == (try sampleConfiguration()))
    }

    @Test func aMissingFileIsAnError() {
        #expect {
            try AuthorizationConfiguration.load(contentsOf: "/nonexistent/authz.yaml")
        } throws: { error in
            (error as? AuthorizationError)?.code == .unreadableFile
        }
    }
}
