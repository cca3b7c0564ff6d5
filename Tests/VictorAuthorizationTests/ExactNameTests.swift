import Foundation
import Testing
import VictorAuthorization

/// Issue 9, findings 1 and 2: names are normalized to NFC where they enter and then compared by
/// Unicode scalars on every path (hashed lookups, patterns, `contains`, `in`, `eq`).
@Suite struct ExactNameTests {
    static let cafeNFC = "caf\u{E9}"
    static let cafeNFD = "cafe\u{301}"

    /// Every issue of a configuration, or none.
    func problems(_ configuration: AuthorizationConfiguration) -> [ConfigurationIssue] {
        do {
            try configuration.validate()
            return []
        } catch {
            return error.issues
        }
    }

    @Test(arguments: [(cafeNFC, cafeNFD), (cafeNFD, cafeNFC)])
    func anExactDenyMatchesEitherSpelling(configured: String, requested: String) throws {
        // Finding 1: the exact deny was looked up by a byte hash, so the other spelling slipped by.
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("admin", permissions: [Permission(resource: "*", action: "*")])],
                users: [User("u", roles: ["admin"])],
                policies: [Policy("no-cafe", effect: .deny, resource: configured, action: "*")]
            )
        )
        for resource in [requested, configured] {
            let decision = authorizer.check(user: "u", resource: resource, action: "read")
            #expect(!decision.allowed && decision.decidedBy == .policy("no-cafe"))
        }
        let bulk = authorizer.check(user: "u", requests: [AccessRequest(resource: requested, action: "read")])
        #expect(bulk.map(\.allowed) == [false])
        #expect(!authorizer.explain(user: "u", resource: requested, action: "read").decision.allowed)
    }

    @Test func aPrefixPermissionGrantsBothSpellingsAlike() throws {
        // Finding 1: `re*` on café allowed cafe + U+0301 but not café itself.
        let permission = Permission(resource: Self.cafeNFC, action: "re*")
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("reader", permissions: [permission])],
                users: [User("u", roles: ["reader"]), User("d", permissions: [permission])]
            )
        )
        for user in ["u", "d"] {
            for resource in [Self.cafeNFC, Self.cafeNFD] {
                #expect(authorizer.check(user: user, resource: resource, action: "read").allowed)
                #expect(!authorizer.check(user: user, resource: resource, action: "write").allowed)
            }
        }
    }

    @Test func aSubjectNamesOneUserHoweverEitherIsSpelled() throws {
        // Finding 1: `jose\u{301}` and `jos\u{E9}` are one name; both spellings of the user and of
        // the subject decide alike.
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                users: [User("jos\u{E9}")],
                policies: [Policy("p", effect: .allow, resource: "r", action: "a", subjects: ["jose\u{301}"])]
            )
        )
        #expect(authorizer.check(user: "jos\u{E9}", resource: "r", action: "a").allowed)
        #expect(authorizer.check(user: "jose\u{301}", resource: "r", action: "a").allowed)
        #expect(authorizer.configuration.users[0].id.unicodeScalars.count == 4)
        #expect(authorizer.configuration.policies[0].subjects[0].unicodeScalars.count == 4)
    }

    @Test func twoSpellingsOfOneNameAreDuplicates() {
        // Finding 1: a role holding both spellings lost one; now each such pair is an error.
        let roles = problems(
            AuthorizationConfiguration(roles: [Role(Self.cafeNFC), Role(Self.cafeNFD)])
        )
        #expect(roles.count == 1 && roles[0].message.contains("defined twice"))
        #expect(roles[0].message.contains("\\u{301}"))
        let held = problems(
            AuthorizationConfiguration(
                roles: [Role(Self.cafeNFC)],
                users: [User("u", roles: [Self.cafeNFC, Self.cafeNFD])]
            )
        )
        #expect(held.map(\.key) == ["users.u.roles[1]"] && held[0].message.contains("listed twice"))
        let inherited = problems(
            AuthorizationConfiguration(roles: [Role(Self.cafeNFC), Role("r", inherits: [Self.cafeNFD, Self.cafeNFC])])
        )
        #expect(inherited.map(\.key) == ["roles.r.inherits[1]"])
        let users = problems(AuthorizationConfiguration(users: [User("jos\u{E9}"), User("jose\u{301}")]))
        #expect(users.count == 1 && users[0].message.contains("user 'jose\u{301}' is defined twice"))
        let policies = problems(
            AuthorizationConfiguration(
                policies: [
                    Policy(Self.cafeNFC, effect: .deny, resource: "r", action: "a"),
                    Policy(Self.cafeNFD, effect: .deny, resource: "r", action: "a"),
                ]
            )
        )
        #expect(policies.count == 1 && policies[0].key == "policies[1].name")
    }

    @Test func prefixesCompareScalarsNotGraphemes() throws {
        // Finding 2: `/` + U+0301 is one grapheme cluster, so `hasPrefix("secret/")` was false.
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("reader", permissions: [Permission(resource: "*", action: "read")])],
                users: [User("u", roles: ["reader"])],
                policies: [Policy("no-secrets", effect: .deny, resource: "secret/*", action: "*")]
            )
        )
        let decision = authorizer.check(user: "u", resource: "secret/\u{301}passwords", action: "read")
        #expect(!decision.allowed && decision.decidedBy == .policy("no-secrets"))
        #expect(authorizer.check(user: "u", resource: "secrets", action: "read").allowed)
    }

    @Test func aMarkThatComposesMakesAnotherWord() throws {
        // `admin` + U+0301 is `admiń` in NFC: another name, which an exact deny on `admin` does not
        // cover, while a prefix `admi*` covers both.
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("all", permissions: [Permission(resource: "*", action: "*")])],
                users: [User("u", roles: ["all"])],
                policies: [
                    Policy("no-admin", effect: .deny, resource: "admin", action: "*"),
                    Policy("no-admi", effect: .deny, resource: "admi*", action: "delete"),
                ]
            )
        )
        #expect(!authorizer.check(user: "u", resource: "admin", action: "read").allowed)
        #expect(authorizer.check(user: "u", resource: "admin\u{301}", action: "read").allowed)
        #expect(authorizer.check(user: "u", resource: "admi\u{144}", action: "read").allowed)
        #expect(!authorizer.check(user: "u", resource: "admin\u{301}", action: "delete").allowed)
    }

    @Test func containsInAndEqCompareScalarsInNFC() throws {
        func allowed(
            _ condition: Condition,
            context: [String: AttributeValue],
            attributes: [String: AttributeValue] = [:]
        )
            throws -> Bool
        {
            let authorizer = try Authorizer(
                configuration: AuthorizationConfiguration(
                    users: [User("u", attributes: attributes)],
                    policies: [Policy("p", effect: .allow, resource: "r", action: "a", conditions: [condition])]
                )
            )
            return authorizer.check(user: "u", resource: "r", action: "a", context: context).allowed
        }
        // `contains` on scalars: `secret/` is in `x/secret/\u{301}y`.
        #expect(try allowed(Condition(.context("path"), .contains, "secret/"), context: ["path": "x/secret/\u{301}y"]))
        // Context keys, context strings (also inside lists) and attribute names are normalized.
        #expect(try allowed(Condition(.context(Self.cafeNFC), .eq, "x"), context: [Self.cafeNFD: "x"]))
        #expect(
            try allowed(
                Condition(.context("team"), .in, [.string(Self.cafeNFC)]),
                context: ["team": .string(Self.cafeNFD)]
            )
        )
        #expect(
            try allowed(
                Condition(.context("teams"), .contains, .string(Self.cafeNFD)),
                context: ["teams": [.string(Self.cafeNFC)]]
            )
        )
        #expect(try allowed(Condition(.user(Self.cafeNFD), .eq, 1), context: [:], attributes: [Self.cafeNFC: 1]))
        #expect(try !allowed(Condition(.context("team"), .eq, "cafe"), context: ["team": .string(Self.cafeNFD)]))
    }

    @Test func aRequestedUserValueIsComparedInNFC() throws {
        let registered = User("jos\u{E9}", roles: [Self.cafeNFC])
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role(Self.cafeNFD, permissions: [Permission(resource: "r", action: "a")])],
                users: [registered]
            )
        )
        let spelledOtherwise = User("jose\u{301}", roles: [Self.cafeNFD])
        #expect(authorizer.check(spelledOtherwise, resource: "r", action: "a").allowed)
        #expect(authorizer.check(registered, resource: "r", action: "a").allowed)
        #expect(authorizer.configuration.user(withID: "jose\u{301}") != nil)
        try authorizer.removeUser(withID: "jose\u{301}")
        #expect(authorizer.configuration.users.isEmpty)
    }

    /// The check path skips normalization for text whose scalars are all below U+0300 (UTF-8
    /// bytes below 0xCC), on the premise that such text is always NFC: no scalar there changes
    /// under NFC and no two of them compose.
    @Test func textBelowTheFirstCombiningMarkIsAlreadyNFC() {
        let scalars = (0x20..<0x300).compactMap(Unicode.Scalar.init)
        for first in scalars {
            #expect(String(first).precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual([first]))
            for second in stride(from: 0, to: scalars.count, by: 5).map({ scalars[$0] }) {
                var text = ""
                text.unicodeScalars.append(first)
                text.unicodeScalars.append(second)
                #expect(text.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual([first, second]))
            }
        }
        // …and the first combining mark composes.
        #expect("e\u{300}".precomposedStringWithCanonicalMapping.unicodeScalars.count == 1)
    }
}
