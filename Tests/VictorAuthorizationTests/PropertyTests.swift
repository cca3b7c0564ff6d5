import PropertyBased
import Testing
import VictorAuthorization
import VictorTestSupport

/// Random but valid configurations over a small vocabulary, so that requests often match.
enum RandomConfiguration {
    static let resources = ["code", "tools", "tools/shell", "docs", "reports/q1"]
    static let actions = ["read", "write", "execute", "delete"]
    static let resourcePatterns = resources + ["*", "tools/*", "reports/*"]
    static let actionPatterns = actions + ["*"]

    static func condition(_ rng: inout SplitMix) -> Condition {
        let key: AttributeKey = [.user("level"), .context("env"), .context("level"), .user("team")]
            .randomElement(using: &rng)!
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return Condition(key, .eq, ["dev", "prod", 3].randomElement(using: &rng)!)
        case 1: return Condition(numericKey(&rng), .lt, .integer(Int.random(in: 0...5, using: &rng)))
        case 2: return Condition(key, .in, ["dev", "eng", 2])
        case 3: return Condition(key, .ne, "prod")
        default: return Condition(numericKey(&rng), .gte, .integer(Int.random(in: 0...5, using: &rng)))
        }
    }

    /// Numeric comparisons read only attributes users hold as numbers (anything else is rejected
    /// at load as a type mismatch).
    static func numericKey(_ rng: inout SplitMix) -> AttributeKey {
        Bool.random(using: &rng) ? .user("level") : .context("level")
    }

    static func conditions(_ rng: inout SplitMix) -> [Condition] {
        var seen = Set<String>()
        // One operator per key at most: a configuration file's mapping cannot repeat one.
        return (0..<Int.random(in: 0...3, using: &rng)).map { _ in condition(&rng) }
            .filter { seen.insert("\($0.key) \($0.operator)").inserted }
    }

    static func permission(_ rng: inout SplitMix) -> Permission {
        Permission(
            resource: resourcePatterns.randomElement(using: &rng)!,
            action: actionPatterns.randomElement(using: &rng)!,
            constraints: Bool.random(using: &rng) ? [] : conditions(&rng)
        )
    }

    static func make(seed: UInt64) -> AuthorizationConfiguration {
        var rng = SplitMix(state: seed)
        var configuration = AuthorizationConfiguration(defaultDeny: Int.random(in: 0..<4, using: &rng) != 0)
        let roleCount = Int.random(in: 1...6, using: &rng)
        for index in 0..<roleCount {
            // Inherit only from earlier roles: no cycles.
            let parents = (0..<index).filter { _ in Int.random(in: 0..<3, using: &rng) == 0 }.map { "r\($0)" }
            configuration.roles.append(
                Role(
                    "r\(index)",
                    permissions: (0..<Int.random(in: 0...3, using: &rng)).map { _ in permission(&rng) },
                    inherits: parents
                )
            )
        }
        for index in 0..<4 {
            let roles = (0..<roleCount).filter { _ in Int.random(in: 0..<3, using: &rng) == 0 }.map { "r\($0)" }
            var attributes: [String: AttributeValue] = [:]
            if Bool.random(using: &rng) { attributes["level"] = .integer(Int.random(in: 0...5, using: &rng)) }
            if Bool.random(using: &rng) { attributes["team"] = ["eng", "ops"].randomElement(using: &rng)! }
            configuration.users.append(
                User(
                    "u\(index)",
                    roles: roles,
                    attributes: attributes,
                    permissions: Int.random(in: 0..<3, using: &rng) == 0 ? [permission(&rng)] : [],
                    enabled: Int.random(in: 0..<6, using: &rng) != 0
                )
            )
        }
        for index in 0..<Int.random(in: 0...8, using: &rng) {
            var subjects: [String] = []
            if Bool.random(using: &rng) {
                subjects.append(
                    Bool.random(using: &rng)
                        ? "u\(Int.random(in: 0..<4, using: &rng))"
                        : "role:r\(Int.random(in: 0..<roleCount, using: &rng))"
                )
            }
            configuration.policies.append(
                Policy(
                    "p\(index)",
                    effect: Bool.random(using: &rng) ? .allow : .deny,
                    resource: resourcePatterns.randomElement(using: &rng)!,
                    action: actionPatterns.randomElement(using: &rng)!,
                    subjects: subjects,
                    conditions: conditions(&rng),
                    priority: Int.random(in: -2...2, using: &rng)
                )
            )
        }
        return configuration
    }

    static func contexts(_ rng: inout SplitMix) -> [String: AttributeValue] {
        var context: [String: AttributeValue] = [:]
        if Bool.random(using: &rng) { context["env"] = ["dev", "prod"].randomElement(using: &rng)! }
        if Bool.random(using: &rng) { context["level"] = .integer(Int.random(in: 0...5, using: &rng)) }
        return context
    }
}

@Suite struct PropertyTests {
    /// An authorizer of a generated configuration, or `nil` (recorded as an issue) when the
    /// generator made an invalid one.
    static func authorizer(_ configuration: AuthorizationConfiguration, cacheEnabled: Bool) -> Authorizer? {
        guard let authorizer = try? Authorizer(configuration: configuration, options: .init(cacheEnabled: cacheEnabled))
        else {
            Issue.record("generated configuration is invalid: \(configuration)")
            return nil
        }
        return authorizer
    }

    @Test func randomConfigurationsDecideTheSameWithTheCacheOnAndOff() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            let configuration = RandomConfiguration.make(seed: seed)
            guard
                let cached = try? Authorizer(configuration: configuration, options: .init(cacheEnabled: true)),
                let uncached = try? Authorizer(configuration: configuration, options: .init(cacheEnabled: false))
            else {
                Issue.record("generated configuration is invalid: \(configuration)")
                return
            }
            var rng = SplitMix(state: seed ^ 0xA5A5)
            // Each request twice, with varying contexts, so cached answers are reused.
            for _ in 0..<60 {
                let user = "u\(Int.random(in: 0..<5, using: &rng))"
                let resource = (RandomConfiguration.resources + ["other"]).randomElement(using: &rng)!
                let action = RandomConfiguration.actions.randomElement(using: &rng)!
                for _ in 0..<2 {
                    let context = RandomConfiguration.contexts(&rng)
                    let a = cached.check(user: user, resource: resource, action: action, context: context)
                    let b = uncached.check(user: user, resource: resource, action: action, context: context)
                    let explained = uncached.explain(user: user, resource: resource, action: action, context: context)
                    #expect(a == b, "seed \(seed): \(user) \(action) \(resource) \(context)")
                    #expect(explained.decision == b)
                }
            }
        }
    }

    /// A check of a prepared user and resource/action pair decides like the check of the same
    /// names as text, spelled in NFC or NFD, with the cache on or off.
    @Test(arguments: [true, false])
    func preparedChecksDecideLikeChecksOfText(cacheEnabled: Bool) async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            let configuration = RandomConfiguration.make(seed: seed)
            guard let authorizer = Self.authorizer(configuration, cacheEnabled: cacheEnabled) else { return }
            var rng = SplitMix(state: seed ^ 0x5A5A)
            for _ in 0..<40 {
                // "caf\u{E9}" is registered nowhere; its NFD spelling must decide like it.
                let user = ["u\(Int.random(in: 0..<5, using: &rng))", "caf\u{E9}", "cafe\u{301}"]
                    .randomElement(using: &rng)!
                let resource = (RandomConfiguration.resources + ["other"]).randomElement(using: &rng)!
                let action = RandomConfiguration.actions.randomElement(using: &rng)!
                let context = RandomConfiguration.contexts(&rng)
                let text = authorizer.check(user: user, resource: resource, action: action, context: context)
                let prepared = authorizer.check(
                    PreparedUser(user),
                    PreparedAccess(resource: resource, action: action),
                    normalizedContext: NormalizedContext(context)
                )
                #expect(prepared == text, "seed \(seed): \(user) \(action) \(resource) \(context)")
            }
        }
    }

    /// A bulk check decides each pair as a single check of it does: names in NFC or NFD,
    /// unknown users and resources, with the cache on or off, and twice so cached answers count.
    @Test(arguments: [true, false])
    func bulkChecksDecideLikeSingleChecks(cacheEnabled: Bool) async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var configuration = RandomConfiguration.make(seed: seed)
            // Names outside ASCII, granted in NFC and asked for in either spelling.
            configuration.users.append(
                User("caf\u{E9}", permissions: [Permission(resource: "caf\u{E9}", action: "r\u{E9}ad")])
            )
            guard let authorizer = Self.authorizer(configuration, cacheEnabled: cacheEnabled) else { return }
            var rng = SplitMix(state: seed ^ 0x3C3C)
            let resources = RandomConfiguration.resources + ["other", "caf\u{E9}", "cafe\u{301}", ""]
            for _ in 0..<10 {
                let user = ["u\(Int.random(in: 0..<6, using: &rng))", "cafe\u{301}"].randomElement(using: &rng)!
                let requests = (0..<Int.random(in: 0...8, using: &rng)).map { _ in
                    AccessRequest(
                        resource: resources.randomElement(using: &rng)!,
                        action: (RandomConfiguration.actions + ["r\u{E9}ad"]).randomElement(using: &rng)!
                    )
                }
                let context = RandomConfiguration.contexts(&rng)
                for _ in 0..<2 {
                    let bulk = authorizer.check(user: user, requests: requests, context: context)
                    let single = requests.map {
                        authorizer.check(user: user, resource: $0.resource, action: $0.action, context: context)
                    }
                    #expect(bulk == single, "seed \(seed): \(user) \(requests) \(context)")
                }
            }
        }
    }

    @Test func preparedNamesAreKeptInNFC() {
        #expect(PreparedUser("cafe\u{301}").id.unicodeScalars.elementsEqual("caf\u{E9}".unicodeScalars))
        let access = PreparedAccess(resource: "tools/cafe\u{301}", action: "execute")
        #expect(access.resource.unicodeScalars.elementsEqual("tools/caf\u{E9}".unicodeScalars))
        #expect(access.action == "execute")
    }

    /// Without policies, checks of users holding at most two roles take a shorter path than
    /// `explain`; both must decide alike.
    @Test func policyFreeConfigurationsDecideLikeTheirExplanation() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var configuration = RandomConfiguration.make(seed: seed)
            configuration.policies = []
            guard let authorizer = try? Authorizer(configuration: configuration, options: .init(cacheEnabled: false))
            else {
                Issue.record("generated configuration is invalid: \(configuration)")
                return
            }
            var rng = SplitMix(state: seed ^ 0x5A5A)
            for _ in 0..<60 {
                let user = "u\(Int.random(in: 0..<5, using: &rng))"
                let resource = (RandomConfiguration.resources + ["other"]).randomElement(using: &rng)!
                let action = RandomConfiguration.actions.randomElement(using: &rng)!
                let context = RandomConfiguration.contexts(&rng)
                let decision = authorizer.check(user: user, resource: resource, action: action, context: context)
                let explained = authorizer.explain(user: user, resource: resource, action: action, context: context)
                #expect(explained.decision == decision, "seed \(seed): \(user) \(action) \(resource) \(context)")
            }
        }
    }

    @Test func randomConfigurationsSurviveSaveAndLoad() async {
        await propertyCheck(count: 50, input: Gen.uint64()) { seed in
            let configuration = RandomConfiguration.make(seed: seed)
            #expect((try? AuthorizationConfiguration.parse(configuration.yaml())) == configuration)
            #expect((try? AuthorizationConfiguration.parse(configuration.json())) == configuration)
        }
    }
}
