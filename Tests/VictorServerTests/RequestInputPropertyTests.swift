import PropertyBased
import Testing
import VictorRuntime
import VictorTestSupport

@testable import VictorServer

/// Random inputs an attacker controls, against rules stated independently of the code that
/// applies them: the `Host` and `Origin` headers, and the depth limit on request bodies.
@Suite struct RequestInputPropertyTests {
    // MARK: Host and Origin

    static let names = [
        "localhost", "LOCALHOST", "LocalHost", "127.0.0.1", "[::1]", "[::1", "::1", "[::2]", "127.0.0.2",
        "localhost.attacker.example", "127.0.0.1.nip.io", "attacker.example", "127.0.0.1@attacker.example",
        "local\u{17F}host", "l\u{1D0F}calhost", "localhost\u{200B}", "\u{FF4C}ocalhost", "", "[", "]",
    ]
    static let ports = ["", ":", ":80", ":8080", ":x", ":80:80", ":-1", ":\u{FF18}\u{FF10}", ":8\u{301}", "::1"]
    static let affixes = ["", "", "", " ", "\t", "/", ".", "@", "?x", "#", "/path", "%2F", "\u{0}", "\u{E9}"]

    /// An authority from the pieces above, sometimes with one more random character inserted.
    static func authority(_ rng: inout SplitMix) -> String {
        var text =
            affixes.randomElement(using: &rng)! + names.randomElement(using: &rng)!
            + ports.randomElement(using: &rng)! + affixes.randomElement(using: &rng)!
        if Int.random(in: 0..<4, using: &rng) == 0 {
            let scalars = Array(text.unicodeScalars)
            let at = Int.random(in: 0...scalars.count, using: &rng)
            let extra = Unicode.Scalar(UInt32.random(in: 0x20...0x7E, using: &rng))!
            text = String(String.UnicodeScalarView(scalars[..<at] + [extra] + scalars[at...]))
        }
        return text
    }

    /// The rule as documented: a loopback name (`localhost`, `127.0.0.1`, `[::1]`, any case), then
    /// nothing or a colon and ASCII digits.
    static func namesLoopback(_ authority: String) -> Bool {
        let lowered = authority.lowercased()
        for name in ["localhost", "127.0.0.1", "[::1]"] where lowered.hasPrefix(name) {
            let rest = lowered.utf8.dropFirst(name.utf8.count)
            if rest.isEmpty
                || (rest.first == UInt8(ascii: ":") && rest.dropFirst().allSatisfy { $0 >= 0x30 && $0 <= 0x39 })
            {
                return true
            }
        }
        return false
    }

    static func answers(_ origins: RequestOrigins, host: String?, origin: String?) -> Bool {
        do throws(ServerError) {
            try origins.check(host: host, origin: origin)
            return true
        } catch {
            #expect(error.code == .forbidden)
            return false
        }
    }

    @Test func withoutTokensOnlyLoopbackHostsAreAnswered() async {
        let origins = RequestOrigins(allowedOrigins: [], allowedHosts: [], authenticated: false)
        await propertyCheck(count: 2_000, input: Gen.uint64()) { seed in
            var rng = SplitMix(state: seed)
            let host = Self.authority(&rng)
            #expect(
                Self.answers(origins, host: host, origin: nil) == Self.namesLoopback(host),
                "Host \(host.debugDescription)"
            )
        }
    }

    @Test func withTokensEveryHostIsAnsweredUnlessHostsAreListed() async {
        let open = RequestOrigins(allowedOrigins: [], allowedHosts: [], authenticated: true)
        let listed = RequestOrigins(allowedOrigins: [], allowedHosts: ["App.Example:8443"], authenticated: true)
        await propertyCheck(count: 1_000, input: Gen.uint64()) { seed in
            var rng = SplitMix(state: seed)
            let host = Self.authority(&rng)
            #expect(Self.answers(open, host: host, origin: nil))
            let expected = Self.namesLoopback(host) || host.lowercased() == "app.example:8443"
            #expect(Self.answers(listed, host: host, origin: nil) == expected, "Host \(host.debugDescription)")
        }
    }

    @Test func onlyLoopbackOriginsAreAnsweredUnlessListed() async {
        let origins = RequestOrigins(allowedOrigins: [], allowedHosts: [], authenticated: true)
        let schemes = [
            "http://", "https://", "HTTP://", "ftp://", "http:/", "http:///", "", "null", "file://", "ws://",
        ]
        await propertyCheck(count: 2_000, input: Gen.uint64()) { seed in
            var rng = SplitMix(state: seed)
            let origin =
                schemes.randomElement(using: &rng)! + Self.authority(&rng)
                + String(repeating: "/", count: Int.random(in: 0...2, using: &rng))
            // The documented rule: http or https on a loopback authority, any case, trailing
            // slashes ignored.
            var lowered = origin.lowercased()
            while lowered.hasSuffix("/") { lowered.removeLast() }
            let scheme = ["http://", "https://"].first { lowered.hasPrefix($0) }
            let authority = scheme.map { String(lowered.dropFirst($0.count)) }
            let expected =
                authority.map { !$0.contains("/") && !$0.contains("@") && Self.namesLoopback($0) } ?? false
            #expect(
                Self.answers(origins, host: "localhost", origin: origin) == expected,
                "Origin \(origin.debugDescription)"
            )
        }
    }

    // MARK: Body depth

    /// A JSON text nesting 0 to 13 levels (a chain of up to 12 lists and mappings, an empty one
    /// possibly at its end, with shallower siblings), whose strings hold brackets, escapes and
    /// non-ASCII text, with line breaks of every kind between tokens; sometimes one byte is then
    /// changed.
    static func jsonText(_ rng: inout SplitMix) -> [UInt8] {
        let strings = [#""[""#, #""{{""#, #""\"[""#, #""\\""#, #""\\\"{""#, #""é]""#, #""""#, #""a\u005b""#]
        let spaces = ["", " ", "\n", "\r\n", "\r", "\t", "\n  "]
        func space(_ rng: inout SplitMix) -> String { spaces.randomElement(using: &rng)! }
        func scalar(_ rng: inout SplitMix) -> String {
            [strings.randomElement(using: &rng)!, "1", "null", "true", "[]", "{}"].randomElement(using: &rng)!
        }
        /// A value nesting exactly `levels` levels below it.
        func value(_ levels: Int, _ rng: inout SplitMix) -> String {
            guard levels > 0 else { return scalar(&rng) }
            let count = Int.random(in: 1...3, using: &rng)
            let deep = Int.random(in: 0..<count, using: &rng)
            let children = (0..<count).map { index in
                space(&rng) + (index == deep ? value(levels - 1, &rng) : scalar(&rng)) + space(&rng)
            }
            if Bool.random(using: &rng) { return "[" + children.joined(separator: ",") + "]" }
            let members = children.enumerated().map { "\"k\($0.offset)\"" + space(&rng) + ":" + $0.element }
            return "{" + members.joined(separator: ",") + "}"
        }
        var bytes = Array((space(&rng) + value(Int.random(in: 0...12, using: &rng), &rng) + space(&rng)).utf8)
        if Int.random(in: 0..<3, using: &rng) == 0, !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            let replacement = Array("[]{}\"\\,: \r\nx".utf8).randomElement(using: &rng)!
            if Bool.random(using: &rng) { bytes[at] = replacement } else { bytes.insert(replacement, at: at) }
        }
        return bytes
    }

    /// The text at `line` and `column` (1-based, columns in Unicode scalars) with line breaks
    /// counted as the JSON reader counts them: CR LF, CR or LF.
    static func scalar(in bytes: [UInt8], line: Int, column: Int) -> Unicode.Scalar? {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines: [[Unicode.Scalar]] = [[]]
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            if scalar == "\n", previous == "\r" {
                previous = scalar
                continue
            }
            if scalar == "\n" || scalar == "\r" { lines.append([]) } else { lines[lines.count - 1].append(scalar) }
            previous = scalar
        }
        guard line >= 1, line <= lines.count, column >= 1, column <= lines[line - 1].count else { return nil }
        return lines[line - 1][column - 1]
    }

    @Test func theDepthLimitAgreesWithTheJSONReaderAndPointsAtABracket() async {
        let limit = 8
        await propertyCheck(count: 1_500, input: Gen.uint64()) { seed in
            var rng = SplitMix(state: seed)
            let bytes = Self.jsonText(&rng)
            let shown = String(decoding: bytes, as: UTF8.self).debugDescription
            let read = try? JSONValue.parse(bytes: bytes, source: "body")
            do throws(ServerError) {
                let value = try RequestBodyReader.json(bytes, maxDepth: limit)
                #expect(read == value, "\(shown)")
                #expect(value.depth <= limit, "\(shown)")
            } catch {
                if let read { #expect(error.code == .tooDeep && read.depth > limit, "\(shown): \(error.message)") }
                if error.code == .tooDeep {
                    let line = error.location?.line ?? 0
                    let column = error.location?.column ?? 0
                    let at = Self.scalar(in: bytes, line: line, column: column)
                    #expect(
                        at == "[" || at == "{",
                        "\(shown): line \(line), column \(column) holds \(String(describing: at))"
                    )
                } else {
                    #expect(error.code == .invalidJSON, "\(shown): \(error.code)")
                }
            }
        }
    }
}

/// Configuration files with a few random edits: each reads, or fails with a located error
/// naming the file; what reads keeps every bound.
@Suite struct ConfigurationMutationTests {
    static let victor = """
        authorization: authz.yaml
        store: postgres:///victor?host=/tmp
        server:
          host: 127.0.0.1
          port: 8080
          tokens: tokens.yaml
          tls: {certificate: cert.pem, key: key.pem}
          shutdown_deadline_ms: 2500
          connection_idle_timeout_ms: 30000
          staleness_bound_ms: 100
          access_log: true
          allowed_origins: [https://console.example.com, 'http://app.example:8080']
          allowed_hosts: [victor.internal, 'victor.internal:8443']
          limits: {max_body_bytes: 4096, max_depth: 8, max_batch: 50}
          sessions: {max_sessions: 3, idle_timeout_ms: 1000, max_pending_outcomes: 2}
        """

    static let edits = [
        "\n", " ", "  ", ":", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "#", "'", "\"", "9",
        "0x1F", "-1", "1e400", "99999999999999999999", "\u{0}", "\u{7}", "\u{200B}", "é", "\t", "?", "*", "/",
        "@", "null", "~", "true",
    ]

    /// `text` with one to three random insertions, replacements or deletions.
    static func mutated(_ text: String, _ rng: inout SplitMix) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let at = Int.random(in: 0..<scalars.count, using: &rng)
            let edit = Array(edits.randomElement(using: &rng)!.unicodeScalars)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: scalars.insert(contentsOf: edit, at: at)
            case 1: scalars.replaceSubrange(at...at, with: edit)
            default: scalars.remove(at: at)
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    @Test func editedServerConfigurationsReadOrSayWhere() async {
        await propertyCheck(count: 1_000, input: Gen.uint64()) { seed in
            var rng = SplitMix(state: seed)
            let text = Self.mutated(Self.victor, &rng)
            do throws(ServerError) {
                let configuration = try ServerConfiguration.parse(text, baseDirectory: "/etc/victor")
                #expect((0...65_535).contains(configuration.listener.port), "\(text)")
                #expect(configuration.limits.maxDepth >= 1 && configuration.limits.maxBodyBytes >= 1, "\(text)")
                #expect(configuration.connectionIdleTimeout > .zero, "\(text)")
                #expect(configuration.allowedOrigins.allSatisfy { !$0.contains("*") && !$0.contains(" ") }, "\(text)")
                #expect(configuration.allowedHosts.allSatisfy { !$0.contains("*") && !$0.contains("/") }, "\(text)")
            } catch {
                #expect(error.code == .invalidConfiguration, "\(text): \(error.code)")
                #expect(error.message.contains("victor.yaml"), "\(text): \(error.message)")
            }
        }
    }

    @Test func editedTokenFilesReadOrSayWhere() async {
        let digest = AccessTokens.digest(of: "a-token-0123456789")
        let tokens = """
            tokens:
              - {name: decider, sha256: \(digest), scopes: [decide], user: alice}
              - name: administrator
                sha256: \(digest.uppercased())
                scopes: [admin, decide]
            """
        await propertyCheck(count: 1_000, input: Gen.uint64()) { seed in
            var rng = SplitMix(state: seed)
            let text = Self.mutated(tokens, &rng)
            do throws(ServerError) {
                let read = try AccessTokens.parse(text, file: "tokens.yaml")
                #expect(read.entries.allSatisfy { $0.digest.count == 32 && !$0.scopes.isEmpty }, "\(text)")
            } catch {
                #expect(error.code == .invalidConfiguration, "\(text): \(error.code)")
                #expect(error.message.contains("tokens.yaml"), "\(text): \(error.message)")
            }
        }
    }
}
