import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore
import VictorLocks
import VictorMCP
import VictorRuntime

/// The MCP gateway over MCP's Streamable HTTP transport at `/mcp`, for `victor serve` with an
/// `mcp` section: `POST` carries JSON-RPC messages (an `initialize` without `Mcp-Session-Id`
/// opens a session), `GET` opens the session's stream of server messages, `DELETE` ends it.
///
/// Each MCP session is one ``MCPGateway`` in the server's runtime, for the user its bearer token
/// names (`user:` in the tokens file; without a tokens file, `mcp.session.user`). All sessions
/// share one ``UpstreamPool``: an upstream runs once for the server, and its bounds (running
/// upstreams, concurrent calls) hold across sessions. A session answers only requests whose
/// token names the same user. At most `mcp.http.max_sessions` are held; one unused for
/// `mcp.http.idle_timeout_ms` is closed (checked when a session opens, and on a timer). A
/// replaced authorization configuration sends `notifications/tools/list_changed` to every
/// session.
final class MCPEndpoint: Sendable {
    struct Entry: Sendable {
        let transport: StatefulHTTPServerTransport
        let gateway: MCPGateway
        let user: String
        var lastUsed: ContinuousClock.Instant
    }

    let configuration: MCPConfiguration
    let runtime: AgentRuntime
    let logger: Logger
    let upstreams: UpstreamPool
    private let sessions = Locked<[String: Entry]>([:])

    init(configuration: MCPConfiguration, runtime: AgentRuntime, logger: Logger) throws(MCPGatewayError) {
        self.configuration = configuration
        self.runtime = runtime
        self.logger = logger
        upstreams = try UpstreamPool(configuration, logger: logger)
    }

    static let sessionField = HTTPField.Name(HTTPHeaderName.sessionID)!

    /// Answers one request of `user` (the token's user, `nil` when it has none).
    func handle(_ request: Request, body: [UInt8]?, user: String?) async throws(ServerError) -> Response {
        let user = user ?? configuration.user
        guard let user else {
            throw ServerError(
                .forbidden,
                "an MCP session needs a user: give the token a user in the tokens file (user: NAME)"
            )
        }
        let forwarded = MCP.HTTPRequest(
            method: request.method.rawValue,
            headers: Dictionary(
                request.headers.map { ($0.name.canonicalName, $0.value) },
                uniquingKeysWith: { first, second in first + ", " + second }
            ),
            body: body.map { Data($0) },
            path: request.uri.path
        )
        let response: MCP.HTTPResponse
        if let id = request.headers.value(Self.sessionField) {
            let entry = sessions.withLock { sessions -> Entry? in
                guard var entry = sessions[id], entry.user == user else { return nil }
                entry.lastUsed = .now
                sessions[id] = entry
                return entry
            }
            // Another user's session is answered like an unknown one: its id tells nothing.
            guard let entry else { throw ServerError(.notFound, "no MCP session \(id) for user \(user)") }
            response = await entry.transport.handleRequest(forwarded)
            if request.method == .delete {
                _ = sessions.withLock { $0.removeValue(forKey: id) }
                await close(entry)
            }
        } else {
            guard request.method == .post else {
                throw ServerError(.invalidRequest, "\(request.method.rawValue) /mcp needs an Mcp-Session-Id header")
            }
            let entry = try await open(user: user)
            response = await entry.transport.handleRequest(forwarded)
            let id = response.headers.first { $0.key.lowercased() == "mcp-session-id" }?.value
            if let id {
                sessions.withLock { $0[id] = entry }
                logger.info("MCP session opened", metadata: ["session": "\(id)", "user": "\(user)"])
            } else {
                // Not an initialize request, or a refused one: nothing to keep.
                await close(entry)
            }
        }
        return Self.response(response)
    }

    /// A gateway and its transport for `user`, serving in the background; closes idle sessions
    /// first and refuses when the bound is reached.
    private func open(user: String) async throws(ServerError) -> Entry {
        await closeIdle()
        let count = sessions.withLock { $0.count }
        guard count < configuration.maxHTTPSessions else {
            throw ServerError(
                .unavailable,
                "\(count) MCP sessions are open, the most mcp.http.max_sessions allows; close one (DELETE /mcp)"
            )
        }
        let gateway: MCPGateway
        do {
            gateway = try await MCPGateway.make(
                configuration,
                runtime: runtime,
                upstreams: upstreams,
                user: user,
                logger: logger
            )
        } catch {
            throw ServerError(.invalidRequest, "the MCP session cannot be opened: \(error.message)")
        }
        let transport = StatefulHTTPServerTransport(logger: logger)
        let logger = self.logger
        Task {
            do {
                try await gateway.serve(transport: transport)
            } catch {
                logger.warning("an MCP session ended with an error: \(error)")
                await gateway.shutdown()
            }
        }
        return Entry(transport: transport, gateway: gateway, user: user, lastUsed: .now)
    }

    /// Ends a session: its transport (which ends the gateway's serving; the upstreams stay).
    private func close(_ entry: Entry) async {
        await entry.transport.disconnect()
    }

    private func closeIdle() async {
        let limit = configuration.httpIdleTimeout
        let idle = sessions.withLock { sessions -> [Entry] in
            let expired = sessions.filter { $0.value.lastUsed.duration(to: .now) > limit }
            for id in expired.keys { sessions[id] = nil }
            return Array(expired.values)
        }
        for entry in idle {
            logger.info("MCP session closed: idle", metadata: ["user": "\(entry.user)"])
            await close(entry)
        }
    }

    /// Tells every session's client that its tool list may have changed: the authorization
    /// configuration was replaced (a `PUT`, SIGHUP, or another instance's commit).
    func configurationChanged() {
        let gateways = sessions.withLock { $0.values.map(\.gateway) }
        for gateway in gateways { gateway.announceToolListChanged() }
    }

    /// Closes idle sessions every `interval` until cancelled: a session nobody uses is closed
    /// even when no new session arrives to trigger the check.
    func closeIdleSessions(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await closeIdle()
        }
    }

    /// Closes every session, then stops the upstreams.
    func shutdown() async {
        let all = sessions.withLock { sessions -> [Entry] in
            defer { sessions = [:] }
            return Array(sessions.values)
        }
        for entry in all {
            await close(entry)
            await entry.gateway.shutdown()
        }
        await upstreams.shutdown()
    }

    /// The transport's answer as a Hummingbird response; an event stream is passed on as it comes.
    static func response(_ response: MCP.HTTPResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        let status = HTTPTypes.HTTPResponse.Status(code: response.statusCode)
        switch response {
        case .stream(let stream, _):
            let body = ResponseBody { writer in
                for try await data in stream { try await writer.write(ByteBuffer(bytes: data)) }
                try await writer.finish(nil)
            }
            return Response(status: status, headers: headers, body: body)
        default:
            let bytes = response.bodyData.map { ByteBuffer(bytes: $0) } ?? ByteBuffer()
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: bytes))
        }
    }
}

extension VictorServer {
    /// Reads the `mcp` section of `victor.yaml`, when it has one.
    static func mcpConfiguration(_ configuration: ServerConfiguration) throws(ServerError) -> MCPConfiguration? {
        do {
            return try MCPConfiguration.section(of: configuration.runtime, file: "victor.yaml")
        } catch {
            throw ServerError(.invalidConfiguration, error.message)
        }
    }

    /// `POST`, `GET` and `DELETE /mcp`: the MCP gateway, for the user the bearer token names.
    func mcp(_ request: Request) async throws(ServerError) -> Response {
        guard let mcpEndpoint else {
            throw ServerError(.notFound, "MCP is not served here: victor.yaml has no mcp section")
        }
        let entry = try authenticate(request, .decide)
        if let entry, entry.user == nil {
            throw ServerError(
                .forbidden,
                "token \(entry.name) names no user, and an MCP session acts for one: add user: NAME to its entry"
            )
        }
        var body: [UInt8]?
        if request.method == .post {
            let bytes = try await bodies.bytes(request)
            // Read by the strict reader first, as every other body: a message it refuses (a
            // duplicate key, a number past 64 bits, nesting past the limit) never reaches the
            // SDK's more lenient decoder, so the gate and the upstream cannot read two values.
            _ = try RequestBodyReader.json(bytes, maxDepth: configuration.limits.maxDepth)
            body = bytes
        }
        return try await mcpEndpoint.handle(request, body: body, user: entry?.user)
    }
}
