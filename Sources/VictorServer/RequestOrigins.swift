/// Which web pages and host names the server answers: the guard against requests a browser sends
/// on a page's behalf without the user meaning to.
///
/// - **Origin.** A browser names the page behind a cross-origin request, and behind every `POST`,
///   `PUT` and `DELETE`, in the `Origin` header. A request carrying one is answered only when it
///   is a loopback origin (`http` or `https` on `localhost`, `127.0.0.1` or `[::1]`, any port) or
///   listed in `server.allowed_origins`; `Origin: null` (a sandboxed frame, a file) never is.
///   Agents, SDKs and command-line clients send no `Origin` and are not affected.
/// - **Host.** Without a tokens file nothing but the network address protects the server, and a
///   page can reach a loopback server through DNS rebinding: a name it controls made to resolve
///   to 127.0.0.1, so the browser thinks the page and the server share an origin and sends no
///   `Origin` for reads. The `Host` header still carries that name: without tokens, a request
///   is answered only when its host is `localhost`, `127.0.0.1` or `[::1]` (any port) or listed
///   in `server.allowed_hosts`. With tokens, a page cannot present one, and the host is checked
///   only against a configured `server.allowed_hosts`.
///
/// The MCP Streamable HTTP transport asks exactly this of servers ("Servers MUST validate the
/// Origin header"); the same rule covers every route.
struct RequestOrigins: Sendable {
    /// Origins answered besides loopback ones, lowercased, without a trailing slash.
    let allowedOrigins: Set<String>
    /// Hosts answered besides loopback ones (`name` or `name:port`), lowercased.
    let allowedHosts: Set<String>
    /// Whether every request's host is checked: without tokens, or with hosts configured.
    let checksHost: Bool

    static let loopbackNames: Set<String> = ["localhost", "127.0.0.1", "[::1]"]

    init(allowedOrigins: [String], allowedHosts: [String], authenticated: Bool) {
        self.allowedOrigins = Set(allowedOrigins.map { Self.canonicalOrigin($0) })
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
        checksHost = !authenticated || !allowedHosts.isEmpty
    }

    /// Refuses a request whose `Origin` or `Host` the rules above do not accept.
    /// - Parameters:
    ///   - host: the request's authority (`Host` header), if any.
    ///   - origin: its `Origin` header, if any.
    /// - Throws: ``ServerError/Code/forbidden`` saying which header and how to allow it.
    func check(host: String?, origin: String?) throws(ServerError) {
        if let origin {
            let canonical = Self.canonicalOrigin(origin)
            guard Self.isLoopbackOrigin(canonical) || allowedOrigins.contains(canonical) else {
                throw ServerError(
                    .forbidden,
                    "requests from web pages at \(Self.shown(origin)) are refused: a browser sent this one on the "
                        + "page's behalf (list the origin under server.allowed_origins to allow it)"
                )
            }
        }
        if checksHost, let host {
            let lowered = host.lowercased()
            guard
                Self.loopbackNames.contains(Self.hostName(lowered)) || allowedHosts.contains(lowered)
                    || allowedHosts.contains(Self.hostName(lowered))
            else {
                throw ServerError(
                    .forbidden,
                    "the Host \(Self.shown(host)) is not a name of this server: it answers localhost, 127.0.0.1, "
                        + "[::1] and the names listed under server.allowed_hosts"
                )
            }
        }
    }

    /// Whether `origin` (canonical) is `http` or `https` on a loopback name, any port.
    static func isLoopbackOrigin(_ origin: String) -> Bool {
        for scheme in ["http://", "https://"] where origin.hasPrefix(scheme) {
            let authority = String(origin.dropFirst(scheme.count))
            return !authority.contains("/") && !authority.contains("@")
                && loopbackNames.contains(hostName(authority))
        }
        return false
    }

    /// The host name of an authority (`name`, `name:port`, `[v6]`, `[v6]:port`), lowercased.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return authority }
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && rest.dropFirst().allSatisfy(\.isASCIIDigit)) else {
                return authority
            }
            return String(authority[...close])
        }
        guard let colon = authority.lastIndex(of: ":") else { return authority }
        let port = authority[authority.index(after: colon)...]
        guard !authority[..<colon].contains(":"), port.allSatisfy(\.isASCIIDigit) else { return authority }
        return String(authority[..<colon])
    }

    /// An origin as compared: lowercased, without a trailing slash.
    static func canonicalOrigin(_ origin: String) -> String {
        var lowered = origin.lowercased()
        while lowered.hasSuffix("/") { lowered.removeLast() }
        return lowered
    }

    /// A header value quoted for an error message: printable ASCII, at most 100 characters.
    static func shown(_ value: String) -> String {
        let printable = value.unicodeScalars.prefix(100).map { scalar in
            scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F ? String(scalar) : "?"
        }
        return "'" + printable.joined() + (value.unicodeScalars.count > 100 ? "…" : "") + "'"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
