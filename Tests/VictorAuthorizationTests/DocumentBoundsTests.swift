import Testing
import VictorAuthorization

/// Hostile documents end in a located error, never a hang or a crash (issue findings 9 and 10).
@Suite struct DocumentBoundsTests {
    static func aliasBomb() -> String {
        var text = "a0: &a0 [x, x]\n"
        for level in 1...39 { text += "a\(level): &a\(level) [*a\(level - 1), *a\(level - 1)]\n" }
        return text + "? *a39\n: 1\n"
    }

    static func aliasChain(_ length: Int) -> String {
        var text = "a0: &a0 [x]\n"
        for level in 1...length { text += "a\(level): &a\(level) [*a\(level - 1)]\n" }
        return text
    }

    func issues(_ text: String) -> [String] {
        do {
            _ = try AuthorizationConfiguration.parse(text, file: "authz.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func anAliasBombIsRefusedAtTheFirstOversizedAlias() {
        let found = issues(Self.aliasBomb())
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("authz.yaml:") == true)
        #expect(found.first?.contains("expands to more than 2000000 nodes") == true)
    }

    @Test func anAliasUsedAsAKeyIsRefused() {
        #expect(issues("roles: &r {}\n? *r\n: 1\n") == ["authz.yaml:2:3: an alias cannot be a mapping key"])
    }

    @Test func aLongAliasChainIsRefusedAtTheDepthBound() {
        let found = issues(Self.aliasChain(60_000))
        #expect(found.count == 1)
        #expect(found.first?.contains("nests deeper than 64 levels") == true)
    }

    @Test func subjectsNullIsAnError() {
        let text = """
            policies:
              - {name: p, effect: allow, resource: "*", action: read, subjects: null}
            """
        #expect(issues(text).contains { $0.contains("policies[0].subjects: subjects is null") })
    }

    @Test func invalidUTF8IsRefusedWithItsPosition() {
        var bytes = Array("users:\n  ".utf8)
        bytes += [0xC3, 0x3A, 0x20, 0x7B, 0x7D, 0x0A]
        do {
            _ = try AuthorizationConfiguration.parse(bytes: bytes, file: "authz.yaml")
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(
                error.issues.map(\.description) == [
                    "authz.yaml:2:3: the text is not valid UTF-8 (bytes 0xC3 0x3A 0x20 0x7B)"
                ]
            )
        }
    }

    @Test func aNULByteIsReportedOnceWhereItIs() {
        #expect(issues("enabled: true\ndefault_deny: tr\0ue\n") == ["authz.yaml:2:17: the text holds a NUL character"])
    }

    @Test func integersOutOfRangeAreErrorsNotRoundedNumbers() {
        let text = """
            users:
              u: {attributes: {n: 99999999999999999999}}
            """
        #expect(
            issues(text).contains {
                $0.hasPrefix("authz.yaml:2:23: users.u.attributes.n: the integer 99999999999999999999 is out of range")
            }
        )
    }

    @Test func aDirectoryOrMissingFileIsAClearError() {
        #expect(throws: AuthorizationError.self) { try AuthorizationConfiguration.load(contentsOf: "/") }
        do {
            _ = try AuthorizationConfiguration.load(contentsOf: "/")
        } catch {
            #expect(error.code == .unreadableFile)
            #expect(error.message == "cannot read /: is a directory, not a file")
        }
        do {
            _ = try AuthorizationConfiguration.load(contentsOf: "/nonexistent/authz.yaml")
        } catch {
            #expect(error.message == "cannot read /nonexistent/authz.yaml: no such file")
        }
    }
}
