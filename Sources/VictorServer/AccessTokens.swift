import Crypto
import VictorDocuments

/// What a bearer token may do.
public struct TokenScopes: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: Int

    /// Creates scopes from raw bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Checks, explanations, sessions and tool-call decisions, and reading configuration and
    /// personas.
    public static let decide = TokenScopes(rawValue: 1 << 0)
    /// Writes: the authorization configuration and personas.
    public static let admin = TokenScopes(rawValue: 1 << 1)

    /// The scope's names, as a tokens file spells them.
    public var names: [String] {
        (contains(.decide) ? ["decide"] : []) + (contains(.admin) ? ["admin"] : [])
    }
}

/// The bearer tokens the server accepts, read from a tokens file that holds only their
/// SHA-256 digests:
///
/// ```yaml
/// tokens:
///   - name: ci                # for logs; never the token itself
///     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
///     scopes: [decide]
///   - name: operator
///     sha256: 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
///     scopes: [decide, admin]
///   - name: alice-agent
///     sha256: 9c220f200955d76c0a38d308225e0ef10c5f971acaf2f8d1d8f732affa5bd1dc
///     scopes: [decide]
///     user: alice             # the principal an MCP session over HTTP acts for
/// ```
///
/// A presented token is hashed and compared with every digest in constant time (no early exit
/// on a mismatching byte, no early exit on a match), so timing says nothing about the tokens.
public struct AccessTokens: Sendable {
    /// One accepted token.
    public struct Entry: Sendable, Hashable {
        /// The token's name, for logs.
        public var name: String
        /// The SHA-256 digest of the token's UTF-8 bytes.
        public var digest: [UInt8]
        /// What the token may do.
        public var scopes: TokenScopes
        /// The user (principal) the token's bearer acts for, when the file names one: the user
        /// of an MCP session opened with it. A token without a user cannot open one.
        public var user: String?

        /// Creates an entry.
        /// - Parameters:
        ///   - name: the token's name, for logs.
        ///   - digest: the SHA-256 digest of the token's UTF-8 bytes.
        ///   - scopes: what the token may do.
        ///   - user: the user the token's bearer acts for, if any.
        public init(name: String, digest: [UInt8], scopes: TokenScopes, user: String? = nil) {
            self.name = name
            self.digest = digest
            self.scopes = scopes
            self.user = user
        }
    }

    /// The accepted tokens.
    public let entries: [Entry]

    /// Creates the set of accepted tokens.
    public init(_ entries: [Entry]) { self.entries = entries }

    /// The SHA-256 digest of `token`, in lowercase hex: what a tokens file stores.
    public static func digest(of token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }
        .joined()
    }

    /// The entry `token` matches, or `nil`.
    /// - Complexity: O(number of tokens), the same for every token of the same length.
    public func entry(for token: String) -> Entry? {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: Entry?
        for entry in entries where Self.constantTimeEqual(entry.digest, digest) && found == nil {
            found = entry
        }
        return found
    }

    /// Whether `a` equals `b`, in time depending only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Reads a tokens file.
    /// - Throws: ``ServerError/Code/invalidConfiguration`` with every problem and its location.
    public static func load(contentsOf path: String) throws(ServerError) -> AccessTokens {
        let node: DocumentNode?
        do {
            node = try DocumentReader().read(contentsOf: path)
        } catch {
            throw ServerError(
                .invalidConfiguration,
                error.description,
                issues: error.issues.map(ServerError.Issue.init)
            )
        }
        return try read(node, file: path)
    }

    /// Reads tokens-file text.
    public static func parse(_ text: String, file: String = "tokens.yaml") throws(ServerError) -> AccessTokens {
        let node: DocumentNode?
        do {
            node = try DocumentReader().read(text, file: file)
        } catch {
            throw ServerError(
                .invalidConfiguration,
                error.description,
                issues: error.issues.map(ServerError.Issue.init)
            )
        }
        return try read(node, file: file)
    }

    static func read(_ root: DocumentNode?, file: String) throws(ServerError) -> AccessTokens {
        var fields = DocumentFields(file: file)
        var entries: [Entry] = []
        if let root, let top = fields.mapping(root, "", allowed: ["tokens"]) {
            if let list = top["tokens"].flatMap({ fields.list($0, "tokens") }) {
                var names: Set<String> = []
                for (index, item) in list.enumerated() {
                    let path = "tokens[\(index)]"
                    guard let members = fields.mapping(item, path, allowed: ["name", "sha256", "scopes", "user"]) else {
                        continue
                    }
                    guard let nameNode = members["name"], let name = fields.string(nameNode, path + ".name") else {
                        if members["name"] == nil { fields.fail(item, path, "a token needs a name") }
                        continue
                    }
                    if !names.insert(name).inserted {
                        fields.fail(nameNode, path + ".name", "a token named \(name) is defined twice")
                    }
                    guard let hashNode = members["sha256"], let hex = fields.string(hashNode, path + ".sha256") else {
                        if members["sha256"] == nil { fields.fail(item, path, "a token needs its sha256 digest") }
                        continue
                    }
                    guard let digest = Self.bytes(hex: hex) else {
                        fields.fail(hashNode, path + ".sha256", "expected 64 hexadecimal digits")
                        continue
                    }
                    var scopes: TokenScopes = []
                    var unknownScope = false
                    if let scopesNode = members["scopes"], let names = fields.strings(scopesNode, path + ".scopes") {
                        for scope in names {
                            switch scope {
                            case "decide": scopes.insert(.decide)
                            case "admin": scopes.insert(.admin)
                            default:
                                unknownScope = true
                                fields.fail(
                                    scopesNode,
                                    path + ".scopes",
                                    "unknown scope \(scope); expected decide or admin"
                                )
                            }
                        }
                    }
                    if scopes.isEmpty, !unknownScope {
                        fields.fail(item, path + ".scopes", "a token needs at least one scope")
                    }
                    var user: String?
                    if let userNode = members["user"] {
                        user = fields.string(userNode, path + ".user")
                        if user?.isEmpty == true {
                            fields.fail(userNode, path + ".user", "a token's user cannot be empty")
                        }
                    }
                    entries.append(Entry(name: name, digest: digest, scopes: scopes, user: user))
                }
            }
        }
        guard fields.issues.isEmpty else {
            throw ServerError(
                .invalidConfiguration,
                fields.issues.map(\.description).joined(separator: "\n"),
                issues: fields.issues.map(ServerError.Issue.init)
            )
        }
        return AccessTokens(entries)
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
