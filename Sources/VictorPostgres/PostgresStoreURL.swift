public import Foundation
import NIOSSL
public import PostgresNIO

/// Where a PostgreSQL store is: a `postgres://` (or `postgresql://`) URL, read the way libpq reads
/// one, with the standard environment variables filling what it leaves out.
///
/// ```
/// postgres://victor@db.internal:5432/victor?sslmode=require&pool_size=10&statement_timeout=5000
/// postgres:///victor?host=/var/run/postgresql
/// ```
///
/// - The host is a name or address for TCP, or, in the `host` query item, a directory holding the
///   server's Unix socket. `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD` and `PGDATABASE` fill what the
///   URL omits.
/// - `sslmode`: `disable`, `prefer` (the default over TCP) or `require`. Unix sockets never use TLS.
/// - `pool_size`: the most connections one instance opens (default 10).
/// - `statement_timeout`: milliseconds after which the server cancels a statement (default 5000).
/// - `connect_timeout`: seconds to wait for a connection (default 10).
///
/// Credentials come only from the URL or the environment. ``redacted`` and ``description`` never
/// show the password; pass them, never the original text, to logs and errors.
public struct PostgresStoreURL: Sendable, CustomStringConvertible {
    /// How the server is reached.
    public enum Endpoint: Sendable, Hashable {
        /// TCP to a host and port.
        case tcp(host: String, port: Int)
        /// The Unix socket in a directory (the file `.s.PGSQL.PORT` in it).
        case unixSocket(directory: String, port: Int)
    }

    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable, Hashable {
        /// Never.
        case disable
        /// When the server offers it.
        case prefer
        /// Always; a server without TLS is refused.
        case require
    }

    /// How the server is reached.
    public var endpoint: Endpoint
    /// The user to connect as.
    public var username: String
    /// The password, from the URL or `PGPASSWORD`; never shown.
    public var password: String?
    /// The database.
    public var database: String
    /// How the connection is encrypted.
    public var tls: TLSMode
    /// The most connections one instance opens.
    public var poolSize: Int
    /// How long a statement may run before the server cancels it.
    public var statementTimeout: Duration
    /// How long to wait for a connection.
    public var connectTimeout: Duration

    /// Whether `text` names a PostgreSQL store (starts with `postgres://` or `postgresql://`).
    /// - Parameter text: a store setting, such as `--store`'s value.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a store URL.
    /// - Parameters:
    ///   - text: the URL.
    ///   - environment: where `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD` and `PGDATABASE` are read.
    /// - Throws: ``PostgresStoreError/Code/invalidURL`` naming what is wrong; the message never
    ///   repeats the URL's password.
    public init(
        _ text: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PostgresStoreError) {
        guard Self.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw PostgresStoreError(
                .invalidURL,
                "the store \(Self.redact(text)) is not a postgres:// URL"
            )
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard let value = item.value else {
                throw PostgresStoreError(.invalidURL, "the store URL's query item '\(item.name)' has no value")
            }
            guard query.updateValue(value, forKey: item.name) == nil else {
                throw PostgresStoreError(.invalidURL, "the store URL names '\(item.name)' twice")
            }
        }
        let known: Set<String> = ["host", "port", "sslmode", "pool_size", "statement_timeout", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresStoreError(
                .invalidURL,
                "the store URL's query item '\(unknown)' is not one of \(known.sorted().joined(separator: ", "))"
            )
        }
        func number(_ name: String, _ text: String?, range: ClosedRange<Int>) throws(PostgresStoreError) -> Int? {
            guard let text else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw PostgresStoreError(
                    .invalidURL,
                    "the store URL's \(name) '\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)"
                )
            }
            return value
        }
        let urlPort = try number("port", components.port.map(String.init) ?? query["port"], range: 1...65535)
        let environmentPort = try number("PGPORT", environment["PGPORT"], range: 1...65535)
        let port = urlPort ?? environmentPort ?? 5432
        let host = query["host"] ?? components.host.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGHOST"]
        if let host, host.hasPrefix("/") {
            endpoint = .unixSocket(directory: host, port: port)
        } else {
            endpoint = .tcp(host: host ?? "localhost", port: port)
        }
        username = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGUSER"] ?? "postgres"
        password = components.password ?? environment["PGPASSWORD"]
        let path = String(components.path.drop { $0 == "/" })
        guard !path.contains("/") else {
            throw PostgresStoreError(.invalidURL, "the store URL's database '\(path)' contains '/'")
        }
        database = path.isEmpty ? environment["PGDATABASE"] ?? username : path
        switch query["sslmode"] {
        case nil: tls = .prefer
        case let mode?:
            guard let parsed = TLSMode(rawValue: mode) else {
                throw PostgresStoreError(
                    .invalidURL,
                    "the store URL's sslmode '\(mode)' is not one of disable, prefer, require"
                )
            }
            tls = parsed
        }
        poolSize = try number("pool_size", query["pool_size"], range: 1...1000) ?? 10
        statementTimeout = .milliseconds(
            try number("statement_timeout", query["statement_timeout"], range: 1...86_400_000) ?? 5000
        )
        connectTimeout = .seconds(try number("connect_timeout", query["connect_timeout"], range: 1...3600) ?? 10)
    }

    /// The URL without its password: safe to log.
    public var redacted: String {
        var text = "postgres://\(username)\(password == nil ? "" : ":***")@"
        switch endpoint {
        case .tcp(let host, let port): text += "\(host):\(port)/\(database)"
        case .unixSocket(let directory, let port): text += "/\(database)?host=\(directory)&port=\(port)"
        }
        return text
    }

    /// ``redacted``.
    public var description: String { redacted }

    /// A URL's text with any password replaced, for messages about a URL that did not parse.
    static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else {
            return "'\(text)'"
        }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return "'\(text)'" }
        return "'" + text[..<colon] + ":***" + text[at...] + "'"
    }

    /// The PostgresNIO client configuration: a bounded pool, the statement timeout on every
    /// connection, and TLS as ``tls`` says.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            let tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            let mode: PostgresClient.Configuration.TLS =
                switch tls {
                case .disable: .disable
                case .prefer: .prefer(tlsConfiguration)
                case .require: .require(tlsConfiguration)
                }
            configuration = PostgresClient.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: mode
            )
        case .unixSocket(let directory, let port):
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(directory)/.s.PGSQL.\(port)",
                username: username,
                password: password,
                database: database
            )
        }
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = connectTimeout
        let milliseconds =
            statementTimeout.components.seconds * 1000 + statementTimeout.components.attoseconds / 1_000_000_000_000_000
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(milliseconds)"), ("application_name", "victor"),
        ]
        return configuration
    }
}
