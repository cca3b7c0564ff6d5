import Synchronization
import Testing
import VictorAuthorization

/// Counters shared by the racing tasks.
private final class Tally: Sendable {
    let violations = Atomic<Int>(0)
    let checks = Atomic<Int>(0)
    let running = Atomic<Bool>(true)
}

/// Checks racing changes: every decision must be one the old or the new state makes, never a mix.
@Suite struct AuthorizerConcurrencyTests {
    /// State A: developers may delete code, but a deny policy forbids it.
    /// State B: developers may not delete code, and there is no deny policy.
    /// Both deny `alice delete code`; only a mix (A's permission without A's policy) allows it.
    static let stateA = AuthorizationConfiguration(
        roles: [
            Role("viewer", permissions: [Permission(resource: "code", action: "read")]),
            Role(
                "developer",
                permissions: [Permission(resource: "code", action: "delete")],
                inherits: ["viewer"]
            ),
        ],
        users: [User("alice", roles: ["developer"]), User("bob", roles: ["viewer"])],
        policies: [
            Policy(
                "no-deletes",
                effect: .deny,
                resource: "code",
                action: "delete",
                subjects: ["role:developer"],
                priority: 100
            ),
            Policy("allow-low", effect: .allow, resource: "code", action: "*", priority: 1),
        ]
    )

    static var stateB: AuthorizationConfiguration {
        var configuration = stateA
        configuration.roles[1].permissions = []
        configuration.policies = []
        return configuration
    }

    @Test(arguments: [true, false])
    func checksRacingChangesSeeTheOldOrTheNewStateWhole(cacheEnabled: Bool) async throws {
        let authorizer = try Authorizer(configuration: Self.stateA, options: .init(cacheEnabled: cacheEnabled))
        let tally = Tally()

        await withTaskGroup(of: Void.self) { group in
            // A writer flipping between the two states, each flip one atomic change of a role and
            // the policies.
            group.addTask {
                for round in 0..<300 {
                    try? authorizer.update { configuration in
                        let target = round.isMultiple(of: 2) ? Self.stateB : Self.stateA
                        configuration.roles = target.roles
                        configuration.policies = target.policies
                    }
                    await Task.yield()
                }
                tally.running.store(false, ordering: .relaxed)
            }
            // A second writer adding and removing unrelated roles and policies.
            group.addTask {
                var round = 0
                while tally.running.load(ordering: .relaxed) {
                    let name = "noise-\(round % 5)"
                    if round.isMultiple(of: 2) {
                        try? authorizer.setPolicy(
                            Policy(name, effect: .deny, resource: "docs", action: "write", priority: round % 7)
                        )
                        try? authorizer.setRole(Role(name, permissions: [Permission(resource: "docs", action: "read")]))
                    } else {
                        try? authorizer.removePolicy(named: name)
                        try? authorizer.removeRole(named: name)
                    }
                    round += 1
                    await Task.yield()
                }
            }
            for reader in 0..<3 {
                group.addTask {
                    while tally.running.load(ordering: .relaxed) {
                        for _ in 0..<200 {
                            let delete = authorizer.check(user: "alice", resource: "code", action: "delete")
                            // Old or new state, whole: forbidden by A's policy or not permitted in B.
                            if delete.allowed
                                || !(delete.reason == .forbiddenByPolicy || delete.reason == .notPermitted)
                            {
                                tally.violations.add(1, ordering: .relaxed)
                            }
                            let read = authorizer.check(user: "bob", resource: "code", action: "read")
                            if !read.allowed { tally.violations.add(1, ordering: .relaxed) }
                            let bulk = authorizer.check(
                                user: "alice",
                                requests: [
                                    AccessRequest(resource: "code", action: "delete"),
                                    AccessRequest(resource: "code", action: "read"),
                                ]
                            )
                            if bulk[0].allowed || !bulk[1].allowed { tally.violations.add(1, ordering: .relaxed) }
                            // A bulk check sees one snapshot: A allows read by policy, B by role.
                            if bulk[0].reason == .forbiddenByPolicy, bulk[1].reason != .allowedByPolicy {
                                tally.violations.add(1, ordering: .relaxed)
                            }
                            if bulk[0].reason == .notPermitted, bulk[1].reason != .allowedByRole {
                                tally.violations.add(1, ordering: .relaxed)
                            }
                            tally.checks.add(4, ordering: .relaxed)
                        }
                        _ = reader
                        await Task.yield()
                    }
                }
            }
        }
        #expect(tally.violations.load(ordering: .relaxed) == 0)
        #expect(tally.checks.load(ordering: .relaxed) > 0)
        #expect(authorizer.generation > 300)
    }
}
