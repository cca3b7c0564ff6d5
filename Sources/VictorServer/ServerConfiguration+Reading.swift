import Foundation
import VictorDocuments
import VictorPostgres
import VictorRuntime

extension ServerConfiguration {
    static let serverKeys: Set<String> = [
        "host", "port", "tokens", "tls", "shutdown_deadline_ms", "connection_idle_timeout_ms", "access_log",
        "limits", "sessions", "staleness_bound_ms", "allowed_origins", "allowed_hosts",
    ]
    static let tlsKeys: Set<String> = ["certificate", "key"]
    static let limitKeys: Set<String> = ["max_body_bytes", "max_depth", "max_batch"]
    static let sessionKeys: Set<String> = ["max_sessions", "idle_timeout_ms", "max_pending_outcomes"]

    /// Reads `victor.yaml`: the runtime's sections and the `server` section, every problem
    /// reported with its location. Relative paths are relative to the file's directory.
    /// - Throws: ``ServerError/Code/invalidConfiguration`` listing every problem.
    public static func load(contentsOf path: String) throws(ServerError) -> ServerConfiguration {
        let runtime: RuntimeConfiguration
        do {
            runtime = try RuntimeConfiguration.load(contentsOf: path)
        } catch {
            throw ServerError(.invalidConfiguration, error.message)
        }
        return try read(runtime, file: path, baseDirectory: runtime.baseDirectory)
    }

    /// Reads configuration text; see ``load(contentsOf:)``.
    public static func parse(
        _ text: String,
        file: String = "victor.yaml",
        baseDirectory: String = "."
    ) throws(ServerError) -> ServerConfiguration {
        let runtime: RuntimeConfiguration
        do {
            runtime = try RuntimeConfiguration.parse(text, file: file, baseDirectory: baseDirectory)
        } catch {
            throw ServerError(.invalidConfiguration, error.message)
        }
        return try read(runtime, file: file, baseDirectory: baseDirectory)
    }

    static func read(
        _ runtime: RuntimeConfiguration,
        file: String,
        baseDirectory: String
    ) throws(ServerError) -> ServerConfiguration {
        var configuration = ServerConfiguration(runtime: runtime)
        var fields = DocumentFields(file: file)
        if let node = runtime.storeSetting, let text = fields.string(node, "store") {
            do {
                configuration.store = try PostgresStoreURL(text)
            } catch {
                fields.fail(node, "store", error.message)
            }
        }
        if let node = runtime.serverSection, let server = fields.mapping(node, "server", allowed: serverKeys) {
            if let value = server["host"], let host = fields.string(value, "server.host") {
                configuration.listener.host = host
            }
            if let value = server["port"], let port = fields.integer(value, "server.port", in: 0...65_535) {
                configuration.listener.port = port
            }
            if let value = server["tokens"], let tokens = fields.string(value, "server.tokens") {
                configuration.tokensPath = RuntimeConfiguration.resolve(tokens, baseDirectory)
            }
            if let value = server["tls"], let tls = fields.mapping(value, "server.tls", allowed: tlsKeys) {
                var paths: [String] = []
                for key in ["certificate", "key"] {
                    guard let node = tls[key] else {
                        fields.fail(value, "server.tls.\(key)", "missing; server.tls needs both certificate and key")
                        continue
                    }
                    if let path = fields.string(node, "server.tls.\(key)") {
                        paths.append(RuntimeConfiguration.resolve(path, baseDirectory))
                    }
                }
                if paths.count == 2 {
                    configuration.tls = TLS(certificatePath: paths[0], keyPath: paths[1])
                }
            }
            if let value = server["shutdown_deadline_ms"],
                let milliseconds = fields.integer(value, "server.shutdown_deadline_ms", in: 1...3_600_000)
            {
                configuration.shutdownDeadline = .milliseconds(milliseconds)
            }
            if let value = server["connection_idle_timeout_ms"],
                let milliseconds = fields.integer(value, "server.connection_idle_timeout_ms", in: 1...3_600_000)
            {
                configuration.connectionIdleTimeout = .milliseconds(milliseconds)
            }
            if let value = server["staleness_bound_ms"],
                let milliseconds = fields.integer(value, "server.staleness_bound_ms", in: 0...3_600_000)
            {
                configuration.stalenessBound = .milliseconds(milliseconds)
            }
            if let value = server["access_log"], let flag = fields.bool(value, "server.access_log") {
                configuration.accessLog = flag
            }
            /// The strings listed under `key` that `problem` finds nothing wrong with.
            func checkedList(_ key: String, _ problem: (String) -> String?) -> [String] {
                guard let value = server[key], let nodes = fields.list(value, "server.\(key)") else { return [] }
                return nodes.enumerated().compactMap { index, node in
                    let path = "server.\(key)[\(index)]"
                    guard let text = fields.string(node, path) else { return nil }
                    if let problem = problem(text) {
                        fields.fail(node, path, problem)
                        return nil
                    }
                    return text
                }
            }
            configuration.allowedOrigins = checkedList("allowed_origins", Self.originProblem)
            configuration.allowedHosts = checkedList("allowed_hosts", Self.hostProblem)
            if let value = server["limits"], let limits = fields.mapping(value, "server.limits", allowed: limitKeys) {
                if let value = limits["max_body_bytes"],
                    let bytes = fields.integer(value, "server.limits.max_body_bytes", in: 64...(64 << 20))
                {
                    configuration.limits.maxBodyBytes = bytes
                }
                if let value = limits["max_depth"],
                    let depth = fields.integer(value, "server.limits.max_depth", in: 2...64)
                {
                    configuration.limits.maxDepth = depth
                }
                if let value = limits["max_batch"],
                    let count = fields.integer(value, "server.limits.max_batch", in: 1...1_000_000)
                {
                    configuration.limits.maxBatch = count
                }
            }
            if let value = server["sessions"],
                let sessions = fields.mapping(value, "server.sessions", allowed: sessionKeys)
            {
                if let value = sessions["max_sessions"],
                    let count = fields.integer(value, "server.sessions.max_sessions", in: 1...10_000_000)
                {
                    configuration.sessions.maxSessions = count
                }
                if let value = sessions["idle_timeout_ms"],
                    let milliseconds = fields.integer(value, "server.sessions.idle_timeout_ms", in: 1...604_800_000)
                {
                    configuration.sessions.idleTimeout = .milliseconds(milliseconds)
                }
                if let value = sessions["max_pending_outcomes"],
                    let count = fields.integer(value, "server.sessions.max_pending_outcomes", in: 0...1_000_000)
                {
                    configuration.sessions.maxPendingOutcomes = count
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
        return configuration
    }

    /// Why `origin` is not an origin as browsers send them (`http` or `https`, a host, an
    /// optional port; no path, user or wildcard), or `nil`.
    static func originProblem(_ origin: String) -> String? {
        let lowered = origin.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else {
            return "an origin starts with http:// or https:// (as in https://console.example.com)"
        }
        let authority = lowered.dropFirst(scheme.count)
        guard let problem = hostProblem(String(authority)) else { return nil }
        return "\(problem), in an origin such as https://console.example.com"
    }

    /// Why `host` is not a host name with an optional port (`name`, `name:port`, `[v6]:port`),
    /// or `nil`.
    static func hostProblem(_ host: String) -> String? {
        guard !host.isEmpty, host.utf8.count <= 255 else { return "a host name has 1 to 255 characters" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_".utf8)
        guard host.utf8.allSatisfy(allowed.contains) else {
            return "a host name holds letters, digits, '.', '-', '_', and ':' or brackets around an "
                + "IPv6 address and before a port; no path, user, wildcard or space"
        }
        return nil
    }
}
