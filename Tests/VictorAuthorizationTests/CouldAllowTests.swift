import Testing
import VictorAuthorization

@Suite struct CouldAllowTests {
    static let yaml = """
        roles:
          agent:
            permissions:
              - {resource: "tools/read", action: execute}
              - {resource: "tools/big", action: execute, constraints: {context.args.size: {lt: 10}}}
        users:
          alice: {roles: [agent]}
          bob: {roles: []}
        policies:
          - {name: no-secrets, effect: deny, resource: tools/read, action: execute, conditions: {context.args.path: {contains: secret}}}
          - {name: never-at-night, effect: deny, resource: "tools/*", action: execute, conditions: {context.hour: {gte: 22}}}
          - {name: bob-reads-docs, effect: allow, resource: tools/read, action: execute, subjects: [bob], conditions: {context.args.path: {contains: docs}}}
        """

    func authorizer() throws -> Authorizer {
        try Authorizer(configuration: AuthorizationConfiguration.parse(Self.yaml, file: "could.yaml"))
    }

    @Test func undecidedArgumentsCountAsWhateverLetsTheRequestThrough() throws {
        let authorizer = try authorizer()
        func could(_ user: String, _ tool: String, _ context: [String: AttributeValue] = ["hour": 9]) -> Bool {
            authorizer.couldAllow(
                user: user,
                resource: tool,
                action: "execute",
                context: context,
                undecidedPrefix: "args."
            )
        }
        #expect(could("alice", "tools/read"), "a deny on an argument may not apply")
        #expect(could("alice", "tools/big"), "a permission constrained on an argument may hold")
        #expect(could("bob", "tools/read"), "an allow policy on an argument may hold")
        #expect(!could("bob", "tools/big"), "nothing grants bob tools/big, whatever the arguments")
        #expect(!could("carol", "tools/read"), "unknown users can never")
        #expect(!could("alice", "tools/read", ["hour": 23]), "a deny that holds without arguments refuses")
        #expect(!could("alice", "tools/read", [:]), "a deny on a missing fact that is not an argument still denies")
    }

    @Test func decidedArgumentsAreReadAsGiven() throws {
        let authorizer = try authorizer()
        let context: [String: AttributeValue] = ["args.path": "/secret/key", "hour": 9]
        #expect(
            !authorizer.couldAllow(
                user: "alice",
                resource: "tools/read",
                action: "execute",
                context: context,
                undecidedPrefix: "args."
            )
        )
    }
}
