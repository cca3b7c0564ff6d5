import Testing
import VictorAuthorization

/// Request names are hashed a word at a time, with the last one to seven bytes read as two
/// overlapping loads, and found by their bytes: every length must find its own entry and only
/// it, whichever path (in place for ASCII, normalized otherwise) the request takes.
@Suite struct NameLookupTests {
    /// A name of `length` bytes: letters cycling from `seed`.
    static func name(_ length: Int, seed: Int = 0) -> String {
        String(decoding: (0..<length).map { UInt8(ascii: "a") + UInt8((seed + $0 * 7) % 26) }, as: UTF8.self)
    }

    static let lengths = Array(1...24)

    @Test(arguments: lengths)
    func namesOfEveryLengthFindTheirOwnEntryAndNoOther(length: Int) throws {
        let user = Self.name(length, seed: 1)
        let resource = Self.name(length, seed: 2)
        let action = Self.name(length, seed: 3)
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("r", permissions: [Permission(resource: resource, action: action)])],
                users: [User(user, roles: ["r"])]
            ),
            options: AuthorizerOptions(cacheEnabled: false)
        )
        #expect(authorizer.check(user: user, resource: resource, action: action).reason == .allowedByRole)
        // One byte changed anywhere, in any of the three names, finds nothing.
        for position in 0..<length {
            func changed(_ text: String) -> String {
                var bytes = Array(text.utf8)
                bytes[position] = bytes[position] == UInt8(ascii: "z") ? UInt8(ascii: "y") : UInt8(ascii: "z")
                return String(decoding: bytes, as: UTF8.self)
            }
            #expect(authorizer.check(user: changed(user), resource: resource, action: action).reason == .unknownUser)
            #expect(authorizer.check(user: user, resource: changed(resource), action: action).reason == .notPermitted)
            #expect(authorizer.check(user: user, resource: resource, action: changed(action)).reason == .notPermitted)
        }
        // A byte more or less is another name.
        #expect(authorizer.check(user: user + "a", resource: resource, action: action).reason == .unknownUser)
        #expect(
            authorizer.check(user: user, resource: String(resource.dropLast()), action: action).reason == .notPermitted
        )
        // The same names reached through normalization (a non-ASCII action) still find the rest.
        #expect(authorizer.check(user: user, resource: resource, action: action + "\u{E9}").reason == .notPermitted)
    }

    @Test func aNonASCIINameIsFoundInEitherSpelling() throws {
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("r", permissions: [Permission(resource: "caf\u{E9}", action: "lire")])],
                users: [User("z\u{F6}e", roles: ["r"])]
            )
        )
        for user in ["z\u{F6}e", "zo\u{308}e"] {
            for resource in ["caf\u{E9}", "cafe\u{301}"] {
                #expect(authorizer.check(user: user, resource: resource, action: "lire").allowed)
            }
        }
    }

    /// Two authorizers granting `u` a read of `code` through a role: one with nothing else, where
    /// the role index decides alone, and one with a deny policy, whose decisions go through the
    /// cache.
    static func cacheCases() throws -> (plain: Authorizer, withPolicy: Authorizer) {
        let roles = [Role("dev", permissions: [Permission(resource: "code", action: "read")])]
        let plain = try Authorizer(
            configuration: AuthorizationConfiguration(roles: roles, users: [User("u", roles: ["dev"])])
        )
        let withPolicy = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: roles,
                users: [User("u", roles: ["dev"])],
                policies: [Policy("no-prod", effect: .deny, resource: "prod", action: "*")]
            )
        )
        return (plain, withPolicy)
    }

    @Test func decisionsTheRolesAloneMakeSkipTheCacheAndPolicyDecisionsUseIt() throws {
        let (plain, withPolicy) = try Self.cacheCases()
        for _ in 0..<3 { #expect(plain.check(user: "u", resource: "code", action: "read").allowed) }
        #expect(plain.statistics().cacheHits == 0)
        for _ in 0..<3 { #expect(withPolicy.check(user: "u", resource: "code", action: "read").allowed) }
        #expect(withPolicy.statistics().cacheHits == 2)
    }

    @Test func batchesUseTheCacheAsSingleChecksDo() throws {
        let (plain, withPolicy) = try Self.cacheCases()
        let requests = [AccessRequest](repeating: AccessRequest(resource: "code", action: "read"), count: 3)
        let allowed = plain.check(user: "u", requests: requests).map(\.allowed)
        #expect(allowed == [true, true, true])
        #expect(plain.statistics().cacheHits == 0)
        let decisions = withPolicy.check(
            user: "u",
            requests: requests + [AccessRequest(resource: "prod", action: "read")]
        )
        #expect(decisions.map(\.allowed) == [true, true, true, false])
        #expect(withPolicy.statistics().cacheHits == 2)
        #expect(withPolicy.statistics().checks == 4)
    }
}
