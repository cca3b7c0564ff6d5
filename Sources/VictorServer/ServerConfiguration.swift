public import VictorPostgres
public import VictorRuntime

/// How `victor serve` listens, bounds requests, keeps sessions and shuts down: the `server`
/// section of `victor.yaml`, beside the runtime's own sections.
///
/// ```yaml
/// server:
///   host: 127.0.0.1               # anything but loopback needs a tokens file
///   port: 8080                    # 0: an ephemeral port, printed when listening
///   tokens: tokens.yaml           # relative to victor.yaml; absent: no authentication
///   tls: {certificate: cert.pem, key: key.pem}   # PEM files; absent: plain HTTP
///   shutdown_deadline_ms: 10000
///   connection_idle_timeout_ms: 60000   # a connection that sends nothing for this long is closed
///   staleness_bound_ms: 5000      # with a store: how long decisions outlive a lost database
///   access_log: true
///   allowed_origins: [https://console.example.com]   # web pages that may call; loopback always may
///   allowed_hosts: [victor.internal]                 # Host names answered besides loopback ones
///   limits: {max_body_bytes: 1048576, max_depth: 32, max_batch: 10000}
///   sessions: {max_sessions: 10000, idle_timeout_ms: 1800000, max_pending_outcomes: 1024}
/// store: postgres://victor@db.internal/victor   # top level; absent: the files above
/// ```
///
/// With a `store` (or `victor serve --store URL`), personas and the authorization configuration
/// live in that PostgreSQL database, shared by every instance pointed at it; see ``store``.
public struct ServerConfiguration: Sendable {
    /// Where the server listens.
    public struct Listener: Sendable, Hashable {
        /// The address to bind: an IP address or a host name. Default `127.0.0.1`.
        public var host: String
        /// The TCP port; 0 binds an ephemeral port. Default 8080.
        public var port: Int

        /// Loopback on port 8080.
        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }

        /// Whether ``host`` names the loopback interface (`127.0.0.0/8`, `::1`, `localhost`).
        public var isLoopback: Bool {
            if host == "localhost" || host == "::1" || host == "[::1]" { return true }
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "127" else { return false }
            return parts.allSatisfy { part in UInt8(part).map { String($0) == part } ?? false }
        }
    }

    /// Bounds every request body is held to.
    public struct Limits: Sendable, Hashable {
        /// The largest body accepted, in bytes; a larger one is answered 413. Default 1 MiB.
        public var maxBodyBytes: Int
        /// The deepest nesting of arrays and objects accepted in a JSON body. Default 32, at
        /// most 64 (the document reader's own bound).
        public var maxDepth: Int
        /// The most resource/action pairs in one batch check. Default 10,000.
        public var maxBatch: Int

        /// The defaults.
        public init(maxBodyBytes: Int = 1 << 20, maxDepth: Int = 32, maxBatch: Int = 10_000) {
            self.maxBodyBytes = maxBodyBytes
            self.maxDepth = maxDepth
            self.maxBatch = maxBatch
        }
    }

    /// The bound on the open-session table.
    ///
    /// At most ``maxSessions`` sessions are held; a session unused for ``idleTimeout`` is
    /// dropped. Opening a session when the table is full (after dropping idle ones) is answered
    /// 503. Each session remembers the decisions of at most ``maxPendingOutcomes`` allowed calls
    /// whose outcome has not been reported; the oldest is forgotten first.
    public struct Sessions: Sendable, Hashable {
        /// The most sessions held at once. Default 10,000.
        public var maxSessions: Int
        /// How long a session may stay unused before it is dropped. Default 30 minutes.
        public var idleTimeout: Duration
        /// The most allowed calls per session awaiting an outcome. Default 1,024.
        public var maxPendingOutcomes: Int

        /// The defaults.
        public init(maxSessions: Int = 10_000, idleTimeout: Duration = .seconds(1_800), maxPendingOutcomes: Int = 1_024)
        {
            self.maxSessions = maxSessions
            self.idleTimeout = idleTimeout
            self.maxPendingOutcomes = maxPendingOutcomes
        }
    }

    /// The certificate and key of an HTTPS listener: the `server.tls` section.
    public struct TLS: Sendable, Hashable {
        /// The PEM file holding the server's certificate chain, leaf first.
        public var certificatePath: String
        /// The PEM file holding the certificate's private key.
        public var keyPath: String

        /// A listener serving HTTPS with the certificate chain and key in these PEM files.
        public init(certificatePath: String, keyPath: String) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }

    /// Where the server listens.
    public var listener: Listener
    /// HTTPS with this certificate and key; `nil` (the default) serves plain HTTP.
    public var tls: TLS?
    /// Bounds on request bodies.
    public var limits: Limits
    /// The bound on open sessions.
    public var sessions: Sessions
    /// How long in-flight requests may take to finish once shutdown starts; then they are
    /// cancelled. Default 10 seconds.
    public var shutdownDeadline: Duration
    /// How long a connection may send nothing, between requests or in the middle of one, before
    /// the server closes it; a response being written (an event stream) keeps it open. Without
    /// it a client could hold connections, and file descriptors, forever. Default 60 seconds.
    public var connectionIdleTimeout: Duration
    /// The bearer-token file; `nil` serves without authentication, on loopback only.
    public var tokensPath: String?
    /// Whether every request is logged as a JSON line. Default `true`.
    public var accessLog: Bool
    /// Web origins (`https://console.example.com`, `http://host:port`) whose pages may call the
    /// server, besides loopback ones. A request with any other `Origin` header is refused with
    /// 403; requests without one (agents, SDKs, command-line clients) are not affected. Default
    /// empty.
    public var allowedOrigins: [String]
    /// Host names (`name` or `name:port`) the server answers besides `localhost`, `127.0.0.1`
    /// and `[::1]`. Without tokens a request naming another host is refused with 403 (DNS
    /// rebinding); with tokens hosts are checked only when this list is not empty. Default empty.
    public var allowedHosts: [String]
    /// The runtime the server serves: authorization, personas, tools, audit.
    public var runtime: RuntimeConfiguration
    /// The shared PostgreSQL store: the top-level `store` setting of `victor.yaml`; `nil` (the
    /// default) keeps personas in the directory store and the authorization configuration in its
    /// file.
    ///
    /// With a store the server migrates the schema on start, keeps personas in the database,
    /// and runs the newest authorization configuration committed there. When the database has
    /// none yet, the configured authorization file (if any) is committed as generation 1;
    /// without a file the server denies everything until a configuration is `PUT`.
    public var store: PostgresStoreURL?
    /// How long decisions continue from the configuration in force after the server loses its
    /// connection to ``store``; afterwards every decision is denied until it is current again.
    /// Default 5 seconds (`server.staleness_bound_ms`).
    public var stalenessBound: Duration

    /// The configuration with no file: loopback on port 8080, no tokens, the runtime's defaults
    /// (built-in personas, a directory store under `.victor`, every authorization denied).
    public init(runtime: RuntimeConfiguration = RuntimeConfiguration()) {
        listener = Listener()
        tls = nil
        limits = Limits()
        sessions = Sessions()
        shutdownDeadline = .seconds(10)
        connectionIdleTimeout = .seconds(60)
        tokensPath = nil
        accessLog = true
        allowedOrigins = []
        allowedHosts = []
        self.runtime = runtime
        store = nil
        stalenessBound = .seconds(5)
    }
}
